"""detectron2's Pascal VOC07 evaluation, for mmdet predictions.

The VOC numbers of MoCo and DenseCL (AP, AP50, AP75 on VOC07 test) come from
detectron2's ``PascalVOCDetectionEvaluator`` (facebookresearch/detectron2
detectron2/evaluation/pascal_voc_evaluation.py; ``voc_eval`` is
py-faster-rcnn's).  mmdet's ``VOCMetric`` agrees on the 11-point AP and on
ignoring difficult boxes, but not on the rest:

* a detection matches a ground truth when IoU **>** the threshold
  (detectron2 :281; mmdet ``tpfp_default`` uses ``>=``), so a box exactly at
  IoU 0.5 is a miss;
* the IoU is computed in float64 on the text that detectron2 writes: scores
  with 3 decimals, boxes with 1 decimal (:66-68), in VOC's 1-based pixel
  indices, with the ``+ 1`` pixel convention (:266-274);
* detections are matched in one score order per class over all images
  (detectron2's ``np.argsort(-confidence)`` on the same list: images in
  dataset order, so rounded scores tie the same way), not image by image;
* the 11-point AP is accumulated in float64 (mmdet: float32);
* AP is the mean over IoU 0.50:0.05:0.95 of the mean over classes (:101-114).

Coordinates: mmdet's ``XMLDataset`` loads every VOC coordinate minus 1
(``[xmin-1, ymin-1, xmax-1, ymax-1]``); detectron2 loads ``[xmin-1, ymin-1,
xmax, ymax]`` and writes predictions back with ``xmin + 1, ymin + 1``
(:63-65).  The ground truth is compared in the XML's integers in both, so
here the XML integers are ``bbox + 1`` and a prediction is ``bbox + 1`` too:
with the ``+ 1`` convention the IoU of a prediction with a ground truth is
the one mmdet's own ``VOCMetric`` (``use_legacy_coordinate=True``) computes,
up to detectron2's rounding.

Values are in [0, 1] (detectron2 prints them x 100) under mmdet's keys:
``pascal_voc/mAP`` (detectron2's "AP"), ``pascal_voc/AP50``,
``pascal_voc/AP75`` and the other ``APxx``.  Not reproduced: when a
detection has exactly the same IoU with a difficult and a non-difficult
ground truth of its image, detectron2 takes the first in XML order, here the
non-difficult one (mmdet keeps them apart).
"""
from collections import OrderedDict
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmdet.evaluation import VOCMetric
from mmengine.logging import MMLogger

from mmdense.registry import METRICS

# detectron2 pascal_voc_evaluation.py:101: range(50, 100, 5), thresh / 100.0
D2_IOU_THRS = tuple(t / 100.0 for t in range(50, 100, 5))


def voc_ap(rec: np.ndarray,
           prec: np.ndarray,
           use_07_metric: bool = True) -> float:
    """detectron2 ``voc_ap`` (pascal_voc_evaluation.py:155-184)."""
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            p = 0 if np.sum(rec >= t) == 0 else np.max(prec[rec >= t])
            ap = ap + p / 11.0
        return ap
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


def best_overlaps(dets: np.ndarray,
                  gts: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """For each detection (rows ``x1 y1 x2 y2``) its largest IoU with
    ``gts`` and the first ground truth reaching it, as ``voc_eval`` computes
    them (:259-279, the ``+ 1`` pixel convention, float64); ``-inf`` / 0
    where the image has no ground truth of the class."""
    n = len(dets)
    if n == 0 or len(gts) == 0:
        return np.full(n, -np.inf), np.zeros(n, dtype=np.int64)
    bb = dets[:, None, :].astype(float)
    g = gts[None, :, :].astype(float)
    iw = np.maximum(
        np.minimum(g[..., 2], bb[..., 2]) - np.maximum(g[..., 0], bb[..., 0]) +
        1.0, 0.0)
    ih = np.maximum(
        np.minimum(g[..., 3], bb[..., 3]) - np.maximum(g[..., 1], bb[..., 1]) +
        1.0, 0.0)
    inters = iw * ih
    uni = ((bb[..., 2] - bb[..., 0] + 1.0) * (bb[..., 3] - bb[..., 1] + 1.0) +
           (g[..., 2] - g[..., 0] + 1.0) * (g[..., 3] - g[..., 1] + 1.0) -
           inters)
    overlaps = inters / uni
    return overlaps.max(axis=1), overlaps.argmax(axis=1)


def voc_eval(dets: Sequence[np.ndarray],
             gts: Sequence[np.ndarray],
             difficult: Sequence[np.ndarray],
             iou_thrs: Sequence[float] = D2_IOU_THRS,
             use_07_metric: bool = True) -> List[float]:
    """detectron2's ``voc_eval`` (:187-300) of one class at each IoU
    threshold: ``dets[i]`` the detections ``x1 y1 x2 y2 score`` of image
    ``i`` and ``gts[i]`` / ``difficult[i]`` its ground truth, all in VOC
    pixel indices, already rounded as detectron2 writes them.  Returns one
    AP per threshold."""
    dets = [np.asarray(d, float).reshape(-1, 5) for d in dets]
    image_ids = np.repeat(np.arange(len(dets)), [len(d) for d in dets])
    boxes = np.concatenate(dets) if dets else np.zeros((0, 5))
    difficult = [np.asarray(d, bool) for d in difficult]
    npos = sum(int((~d).sum()) for d in difficult)
    # where each detection lands (independent of the threshold)
    ovmax = np.full(len(boxes), -np.inf)
    jmax = np.zeros(len(boxes), dtype=np.int64)
    start = 0
    for i, d in enumerate(dets):
        end = start + len(d)
        ovmax[start:end], jmax[start:end] = best_overlaps(
            d[:, :4],
            np.asarray(gts[i], float).reshape(-1, 4))
        start = end
    sorted_ind = np.argsort(-boxes[:, 4])  # :245
    aps = []
    for ovthresh in iou_thrs:
        nd = len(sorted_ind)
        tp, fp = np.zeros(nd), np.zeros(nd)
        det = [np.zeros(len(g), bool) for g in gts]
        for d, k in enumerate(sorted_ind):
            i, j = image_ids[k], jmax[k]
            if ovmax[k] > ovthresh:  # :281, strictly
                if not difficult[i][j]:
                    if not det[i][j]:
                        tp[d] = 1.0
                        det[i][j] = True
                    else:
                        fp[d] = 1.0  # a duplicate
            else:
                fp[d] = 1.0
        fp, tp = np.cumsum(fp), np.cumsum(tp)
        with np.errstate(divide='ignore', invalid='ignore'):
            rec = tp / float(npos)
        prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
        aps.append(voc_ap(rec, prec, use_07_metric))
    return aps


def _as_written(values: np.ndarray, fmt: str) -> np.ndarray:
    """``values`` through detectron2's text file (``f'{v:{fmt}}'``)."""
    values = np.asarray(values)
    return np.array([float(format(v, fmt)) for v in values.ravel().tolist()],
                    dtype=float).reshape(values.shape)


@METRICS.register_module()
class Detectron2VOCMetric(VOCMetric):
    """detectron2's ``PascalVOCDetectionEvaluator`` on VOC07 test (see the
    module docstring for what differs from mmdet's ``VOCMetric``).

    ``process`` is mmdet's (ground truth split into non-difficult and
    difficult boxes, predictions per class).  From an mmdet config:
    ``type='mmdense.evaluation.Detectron2VOCMetric'``.

    Args:
        iou_thrs: IoU thresholds; detectron2's 0.50:0.05:0.95.
        use_07_metric: the 11-point AP (VOC2007, detectron2's
            ``meta.year == 2007``); False: area under the curve.
        box_offset: added to mmdet's boxes to give VOC's pixel indices
            (1: mmdet's ``XMLDataset`` subtracts 1 from every coordinate).
    """

    default_prefix: Optional[str] = 'pascal_voc'

    def __init__(self,
                 iou_thrs: Sequence[float] = D2_IOU_THRS,
                 use_07_metric: bool = True,
                 box_offset: float = 1.0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(
            iou_thrs=[float(t) for t in iou_thrs],
            metric='mAP',
            eval_mode='11points' if use_07_metric else 'area',
            collect_device=collect_device,
            prefix=prefix)
        self.use_07_metric = use_07_metric
        self.box_offset = box_offset

    def _written(self, bboxes: np.ndarray) -> np.ndarray:
        # in the dtype of the predictions, as detectron2's `xmin += 1` on
        # its float32 boxes (:64-65)
        bboxes = np.asarray(bboxes)
        return bboxes + bboxes.dtype.type(self.box_offset)

    def compute_metrics(self, results: list) -> dict:
        logger: MMLogger = MMLogger.get_current_instance()
        gts, preds = zip(*results)
        aps = OrderedDict((t, []) for t in self.iou_thrs)
        for c in range(len(self.dataset_meta['classes'])):
            dets, boxes, difficult = [], [], []
            for gt, pred in zip(gts, preds):
                d = np.asarray(pred[c]).reshape(-1, 5)
                dets.append(
                    np.hstack([
                        _as_written(self._written(d[:, :4]), '.1f'),
                        _as_written(d[:, 4:], '.3f')
                    ]))
                keep = gt['labels'] == c
                ign = gt['labels_ignore'] == c
                boxes.append(
                    np.concatenate([
                        self._written(gt['bboxes'][keep]),
                        self._written(gt['bboxes_ignore'][ign])
                    ]).reshape(-1, 4))
                difficult.append(np.r_[np.zeros(keep.sum(), bool),
                                       np.ones(ign.sum(), bool)])
            for t, ap in zip(
                    self.iou_thrs,
                    voc_eval(dets, boxes, difficult, self.iou_thrs,
                             self.use_07_metric)):
                aps[t].append(ap)
        # :113-114
        m_ap = OrderedDict((t, float(np.mean(x))) for t, x in aps.items())
        out = OrderedDict(mAP=float(np.mean(list(m_ap.values()))))
        for t, v in m_ap.items():
            out[f'AP{int(round(t * 100)):02d}'] = v
        logger.info('detectron2 VOC evaluation (x 100): ' +
                    ', '.join(f'{k} {v * 100:.2f}' for k, v in out.items()))
        return out
