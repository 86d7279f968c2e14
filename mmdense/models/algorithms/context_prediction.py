from typing import List

import torch

from mmdense.registry import MODELS
from mmdense.structures import OTHER_IMAGE
from ..utils.pair_swap import second_from_other_images
from .pooled import PooledSelfSupervisor


@MODELS.register_module()
class ContextPrediction(PooledSelfSupervisor):
    """Context prediction / relative patch location (Doersch et al., ICCV
    2015): the shared encoder embeds two patches of one image, the head
    classifies where the second lies relative to the first (8 neighbours).

    The patches and the label come from the data pipeline
    (:class:`RelativePatchPair`: ``inputs`` = [first, second] patch batches,
    ``data_samples[i].gt_label``).  The pooled last stage of the backbone is
    the patch feature.  Only ``backbone.*`` transfers.  The logged ``acc``
    is the batch's classification accuracy (chance = 1 / num_classes).
    Samples labelled ``OTHER_IMAGE`` (-1; the NSP-style ``adjacent`` task)
    get the second patch of another sample of the batch and label 0.
    """

    def patch_features(self,
                       patches: List[torch.Tensor]) -> List[torch.Tensor]:
        """One backbone pass over all patches -> pooled (N, C) per patch."""
        feats = self.pooled(self.backbone(torch.cat(patches))[-1])
        return list(feats.split(len(patches[0])))

    def loss(self, inputs: List[torch.Tensor], data_samples: list,
             **kwargs) -> dict:
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                'ContextPrediction needs two patches per sample: put '
                'RelativePatchPair in the pipeline before PackInputs')
        labels = torch.cat([s.gt_label
                            for s in data_samples]).to(inputs[0].device)
        first, second = self.patch_features(inputs)
        other = labels == OTHER_IMAGE
        if other.any():
            second = second_from_other_images(second, other)
            labels = labels.masked_fill(other, 0)
        return self.head.loss(first, second, labels)
