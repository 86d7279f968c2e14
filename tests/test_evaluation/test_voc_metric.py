"""Detectron2VOCMetric against a hand-worked case and against detectron2's
own evaluation code (pascal_voc_evaluation.py, copied into d2_voc_eval)."""
import copy

import numpy as np
import pytest
import torch

# ---- detectron2's VOC07 evaluation -----------------------------------------


def voc_sample(gt, difficult, dets):
    """A data sample as mmdet's VOCMetric.process reads it; boxes in mmdet's
    VOC coordinates (XML - 1); ``dets`` rows x1 y1 x2 y2 score label."""
    t = torch.tensor
    dets = np.array(dets, np.float32).reshape(-1, 6)
    return dict(
        gt_instances=dict(
            bboxes=t([b for b, _ in gt], dtype=torch.float32).reshape(-1, 4),
            labels=t([c for _, c in gt], dtype=torch.int64)),
        ignored_instances=dict(
            bboxes=t([b for b, _ in difficult],
                     dtype=torch.float32).reshape(-1, 4),
            labels=t([c for _, c in difficult], dtype=torch.int64)),
        pred_instances=dict(
            bboxes=t(dets[:, :4]),
            scores=t(dets[:, 4]),
            labels=t(dets[:, 5]).long()))


# Hand-worked case, boxes written as the VOC XML has them (1-based pixel
# indices, inclusive); mmdet holds XML - 1.  Class a:
#   image 1: A  = [1, 1, 10, 10] (10 x 10 = 100 px), D = [21, 21, 30, 30]
#            difficult
#   image 2: B  = [1, 1, 20, 20] (400 px)
#   detections, by score:
#   d1 .9 image 1 [1, 1, 10, 10]  IoU(A) = 1        -> TP at every threshold
#   d2 .8 image 1 [1, 1, 10, 10]  duplicate of d1    -> FP at every threshold
#   d3 .7 image 1 [21, 21, 30, 30] IoU(D) = 1        -> ignored (difficult)
#   d4 .6 image 2 [1, 1, 20, 10]  20 x 10 = 200 px inside B:
#                                 IoU = 200 / 400 = 0.5 exactly -> FP for
#                                 detectron2 (IoU > t), TP for mmdet (>=)
#   d5 .5 image 2 [1, 1, 19, 18]  19 x 18 = 342 px inside B: IoU = 0.855
#                                 (without the +1: 18 * 17 / 19**2 = 0.848)
#   npos = 2 (A, B).
#   t in 0.50 ... 0.85 (8 thresholds): TP FP - FP TP
#     recall    .5  .5  .5  1
#     precision 1   .5  1/3 .5
#     11-point: recall >= 0, .1, ..., .5 -> max precision 1 (6 points);
#               .6, ..., 1.0 -> .5 (5 points)  => AP = 8.5 / 11 = 17 / 22
#   t in 0.90, 0.95: TP FP - FP FP: recall stays .5
#               => AP = 6 / 11
#   detectron2 AP (mean over the 10 thresholds) = (8 * 17/22 + 2 * 6/11) / 10
#               = 8 / 11
#   mmdet at 0.5 (d4 TP, d5 a duplicate of B): recall .5 .5 .5 1 1,
#     precision 1 .5 .5 2/3 .5 => (6 + 5 * 2/3) / 11 = 28 / 33
# Class b: one ground truth in image 2 [31, 31, 40, 40] found exactly
#   (score .3) => AP 1 at every threshold.  Reported values are the means
#   over the two classes.
A, D, B_, Bb = [0, 0, 9, 9], [20, 20, 29, 29], [0, 0, 19, 19], [30, 30, 39, 39]
HAND = [
    voc_sample([(A, 0)], [(D, 0)], [A + [.9, 0], A + [.8, 0], D + [.7, 0]]),
    voc_sample([(B_, 0), (Bb, 1)], [],
               [[0, 0, 19, 9, .6, 0], [0, 0, 18, 17, .5, 0], Bb + [.3, 1]]),
]


def test_detectron2_voc_metric_hand_worked():
    from mmdense.evaluation import Detectron2VOCMetric
    metric = Detectron2VOCMetric()
    metric.dataset_meta = dict(classes=('a', 'b'))
    metric.process({}, copy.deepcopy(HAND))
    out = metric.evaluate(2)
    a_low, a_high = 17 / 22, 6 / 11
    expected = {f'AP{t}': (a_low + 1) / 2 for t in range(50, 90, 5)}
    expected.update(AP90=(a_high + 1) / 2, AP95=(a_high + 1) / 2)
    expected['mAP'] = (8 / 11 + 1) / 2
    assert set(out) == {f'pascal_voc/{k}' for k in expected}
    for k, v in expected.items():
        assert out[f'pascal_voc/{k}'] == pytest.approx(v, abs=1e-12), k
    # the boundary case the other way in mmdet's VOCMetric (IoU >= t)
    from mmdet.evaluation import VOCMetric
    mm = VOCMetric(iou_thrs=[0.5], eval_mode='11points')
    mm.dataset_meta = dict(classes=('a', 'b'))
    mm.process({}, copy.deepcopy(HAND))
    assert mm.evaluate(2)['pascal_voc/mAP'] == pytest.approx(
        (28 / 33 + 1) / 2, abs=1e-6)


def d2_voc_eval(lines, recs, classname, ovthresh):
    """detectron2 pascal_voc_evaluation.py:222-300 verbatim, the files
    replaced by ``lines`` (the detection file) and ``recs``."""
    from mmdense.evaluation.voc_metric import voc_ap
    class_recs = {}
    npos = 0
    for imagename in recs:
        R = [obj for obj in recs[imagename] if obj['name'] == classname]
        bbox = np.array([x['bbox'] for x in R])
        difficult = np.array([x['difficult'] for x in R]).astype(bool)
        det = [False] * len(R)
        npos = npos + sum(~difficult)
        class_recs[imagename] = {
            'bbox': bbox,
            'difficult': difficult,
            'det': det
        }
    splitlines = [x.strip().split(' ') for x in lines]
    image_ids = [x[0] for x in splitlines]
    confidence = np.array([float(x[1]) for x in splitlines])
    BB = np.array([[float(z) for z in x[2:]]
                   for x in splitlines]).reshape(-1, 4)
    sorted_ind = np.argsort(-confidence)
    BB = BB[sorted_ind, :]
    image_ids = [image_ids[x] for x in sorted_ind]
    nd = len(image_ids)
    tp = np.zeros(nd)
    fp = np.zeros(nd)
    for d in range(nd):
        R = class_recs[image_ids[d]]
        bb = BB[d, :].astype(float)
        ovmax = -np.inf
        BBGT = R['bbox'].astype(float)
        if BBGT.size > 0:
            ixmin = np.maximum(BBGT[:, 0], bb[0])
            iymin = np.maximum(BBGT[:, 1], bb[1])
            ixmax = np.minimum(BBGT[:, 2], bb[2])
            iymax = np.minimum(BBGT[:, 3], bb[3])
            iw = np.maximum(ixmax - ixmin + 1.0, 0.0)
            ih = np.maximum(iymax - iymin + 1.0, 0.0)
            inters = iw * ih
            uni = ((bb[2] - bb[0] + 1.0) * (bb[3] - bb[1] + 1.0) +
                   (BBGT[:, 2] - BBGT[:, 0] + 1.0) *
                   (BBGT[:, 3] - BBGT[:, 1] + 1.0) - inters)
            overlaps = inters / uni
            ovmax = np.max(overlaps)
            jmax = np.argmax(overlaps)
        if ovmax > ovthresh:
            if not R['difficult'][jmax]:
                if not R['det'][jmax]:
                    tp[d] = 1.0
                    R['det'][jmax] = 1
                else:
                    fp[d] = 1.0
        else:
            fp[d] = 1.0
    fp = np.cumsum(fp)
    tp = np.cumsum(tp)
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap(rec, prec, True)


def test_detectron2_voc_metric_equals_detectron2_code():
    """Random images (boxes near each other, scores tied after detectron2's
    3-decimal rounding, difficult boxes): the metric equals detectron2's
    code run on the text it would write (:63-68, :96-99)."""
    from mmdense.evaluation import Detectron2VOCMetric
    rng = np.random.RandomState(0)
    classes = ('a', 'b', 'c')
    samples, recs, lines = [], {}, {c: [] for c in classes}
    for i in range(30):
        gt, difficult, objs = [], [], []
        for _ in range(rng.randint(0, 4)):
            x, y = rng.randint(0, 60, 2)
            box = [
                int(x),
                int(y),
                int(x + rng.randint(5, 40)),
                int(y + rng.randint(5, 40))
            ]
            c = int(rng.randint(3))
            hard = rng.rand() < 0.25
            (difficult if hard else gt).append((box, c))
        # detectron2 reads the XML order; non-difficult first here (the
        # tie rule named in voc_metric.py)
        for hard, group in ((0, gt), (1, difficult)):
            objs += [
                dict(
                    name=classes[c], difficult=hard, bbox=[v + 1 for v in box])
                for box, c in group
            ]
        recs[str(i)] = objs
        dets = []
        for box, c in (gt + difficult) * 2:
            jitter = rng.uniform(-4, 4, 4)
            score = np.float32(
                rng.choice([0.5, 0.9]) + rng.randint(0, 3) * 1e-4)
            dets.append(list(np.array(box) + jitter) + [score, c])
        for _ in range(rng.randint(0, 3)):
            x, y = rng.uniform(0, 60, 2)
            dets.append(
                [x, y, x + 20, y + 20,
                 np.float32(rng.rand()),
                 rng.randint(3)])
        samples.append(voc_sample(gt, difficult, dets))
        for row in np.array(dets, np.float32).reshape(-1, 6):
            xmin, ymin, xmax, ymax = row[:4] + np.float32(1)
            lines[classes[int(row[5])]].append(
                f'{i} {float(row[4]):.3f} {xmin:.1f} {ymin:.1f} {xmax:.1f} '
                f'{ymax:.1f}')
    metric = Detectron2VOCMetric()
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, samples)
    out = metric.compute_metrics(metric.results)
    aps = {
        t: [d2_voc_eval(lines[c], recs, c, t / 100.0) for c in classes]
        for t in range(50, 100, 5)
    }
    m_ap = {t: np.mean(x) for t, x in aps.items()}
    assert out['mAP'] == np.mean(list(m_ap.values()))
    for t, v in m_ap.items():
        assert out[f'AP{t}'] == v
