"""The toolboxes' metrics on the synthetic data, with known answers: ground
truth handed back as the prediction scores AP 1.0 / mIoU 100, a prediction
that misses every object scores 0."""
import glob
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmdet.datasets import CocoDataset
from mmdet.evaluation import CocoMetric
from mmengine.structures import PixelData
from mmseg.datasets import CityscapesDataset
from mmseg.evaluation import IoUMetric
from mmseg.structures import SegDataSample
from pycocotools.coco import COCO


@pytest.fixture(scope='module')
def coco_val(synthetic_root):
    ann = osp.join(synthetic_root, 'coco/annotations/instances_val2017.json')
    return ann, COCO(ann)


def _coco_predictions(coco, cat_ids, shift=0):
    samples = []
    for img_id in coco.getImgIds():
        info = coco.imgs[img_id]
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[img_id]))
        boxes = np.array([[x, y, x + w, y + h]
                          for x, y, w, h in (a['bbox'] for a in anns)],
                         np.float32)
        boxes = boxes.reshape(-1, 4) + shift
        masks = np.stack([coco.annToMask(a).astype(bool) for a in anns]) \
            if anns else np.zeros((0, info['height'], info['width']), bool)
        if shift:
            masks = np.roll(masks, shift, axis=(1, 2))
        samples.append(
            dict(
                img_id=img_id,
                ori_shape=(info['height'], info['width']),
                pred_instances=dict(
                    bboxes=torch.from_numpy(boxes),
                    scores=torch.ones(len(anns)),
                    labels=torch.tensor(
                        [cat_ids.index(a['category_id']) for a in anns]),
                    masks=torch.from_numpy(masks))))
    return samples


@pytest.mark.parametrize('shift,expected', [(0, 1.0), (1000, 0.0)])
def test_coco_metric_known_answers(coco_val, shift, expected):
    ann, coco = coco_val
    metric = CocoMetric(ann_file=ann, metric=['bbox', 'segm'])
    metric.dataset_meta = CocoDataset.METAINFO
    cat_ids = coco.getCatIds(catNms=list(CocoDataset.METAINFO['classes']))
    assert len(cat_ids) == 80  # all COCO categories are declared
    samples = _coco_predictions(coco, cat_ids, shift)
    metric.process({}, samples)
    result = metric.evaluate(len(samples))
    assert result['coco/bbox_mAP'] == pytest.approx(expected)
    assert result['coco/segm_mAP'] == pytest.approx(expected)


def test_iou_metric_known_answer(synthetic_root):
    maps = sorted(
        glob.glob(
            osp.join(synthetic_root,
                     'cityscapes/gtFine/val/*/*_labelTrainIds.png')))
    assert maps
    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = CityscapesDataset.METAINFO
    present = set()
    for path in maps:
        gt = torch.from_numpy(mmcv.imread(path, 'unchanged').astype(np.int64))
        present |= set(gt.unique().tolist()) - {255}
        sample = SegDataSample(
            gt_sem_seg=PixelData(data=gt[None]),
            pred_sem_seg=PixelData(data=gt[None].clone()))
        metric.process({}, [sample.to_dict()])
    result = metric.evaluate(len(maps))
    assert len(present) >= 3
    assert result['mIoU'] == pytest.approx(100.0)
    assert result['aAcc'] == pytest.approx(100.0)
