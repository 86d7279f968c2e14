"""Pre-trained weights into a model (mmdense.weights): a damaged export is
refused, res5 maps into the C4 shared head, a training checkpoint is not
taken as weights."""
import re

import pytest
import torch
from helpers import build_downstream, flip_tensor_byte

from mmdense.utils.checkpoint import CheckpointError
from mmdense.weights import PretrainedLoadError, load_pretrained


def test_flipped_export_fails_pretrained_loading(tmp_path):
    """A one-byte flip in an exported weights file (which can turn a weight
    into 1e35) is refused by the CRC check when loaded through
    ``pretrained=``."""
    from mmdense.utils import save_checkpoint_file
    from mmdense.weights import read_weights
    out = str(tmp_path / 'weights.pth')
    save_checkpoint_file(
        dict(
            state_dict={'backbone.conv1.weight': torch.randn(8, 3, 3, 3)},
            meta=dict(format='mm')), out)
    assert set(read_weights(out)) == {'backbone.conv1.weight'}
    bad = str(tmp_path / 'weights_flipped.pth')
    flip_tensor_byte(out, bad)
    with pytest.raises(
            CheckpointError,
            match=re.escape(f'{bad} is corrupt (CRC mismatch in record')):
        read_weights(bad)


def test_c4_maps_res5_into_the_shared_head(tmp_path):
    from mmpretrain.models import ResNet
    resnet = ResNet(depth=50)
    weights = {f'backbone.{k}': v for k, v in resnet.state_dict().items()}
    path = str(tmp_path / 'r50.pth')
    torch.save(dict(state_dict=weights), path)
    c4 = build_downstream('configs/benchmarks/mmdet/'
                          'faster-rcnn_r50-syncbn-c4_ms-24k_voc0712.py')
    report = load_pretrained(
        c4,
        path,
        groups=('backbone', 'roi_head.shared_head.layer4'),
        key_map={'backbone.layer4.': 'roi_head.shared_head.layer4.'})
    n = len(resnet.layer4.state_dict())
    assert report['roi_head.shared_head.layer4'] == f'{n}/{n} tensors'
    assert torch.equal(c4.roi_head.shared_head.layer4[2].conv3.weight,
                       resnet.layer4[2].conv3.weight)
    assert torch.equal(c4.backbone.layer3[0].conv1.weight,
                       resnet.layer3[0].conv1.weight)


def test_a_training_checkpoint_is_not_taken_as_weights(tmp_path):
    from mmengine.logging import HistoryBuffer

    from mmdense.utils import CheckpointError, save_checkpoint_file
    path = str(tmp_path / 'train.pth')
    meta = dict(
        transfer=dict(source='student', student={'backbone.': 'backbone.'}))
    # an mmdense training checkpoint (weights-only): export first
    save_checkpoint_file(dict(state_dict={}, meta=meta, message_hub={}), path)
    with pytest.raises(
            PretrainedLoadError,
            match=re.escape(
                f'{path} is a pre-training checkpoint (student and teacher '
                'weights under their pre-training names): export the weights '
                'that transfer first with tools/model_converters/'
                f'export_weights.py {path} OUT.pth and load OUT.pth.')):
        load_pretrained(torch.nn.Linear(1, 1), path)
    # one with pickled mmengine objects (stock mmengine, older mmdense):
    # refused, and the exporter's --trust is named
    torch.save(
        dict(state_dict={}, meta=meta, message_hub=HistoryBuffer()), path)
    with pytest.raises(
            CheckpointError,
            match=re.escape(
                f'refused to load {path}: it was written by stock mmengine') +
            '.*' + re.escape(f'export_weights.py {path} OUT.pth --trust')):
        load_pretrained(torch.nn.Linear(1, 1), path)
