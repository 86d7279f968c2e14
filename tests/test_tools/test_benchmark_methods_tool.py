"""tools/analysis_tools/benchmark_methods.py in-process: the crop kNN on known
answers and the exact positive-control load."""
import importlib.util
import os.path as osp

import pytest
import torch
from helpers import REPO

TOOL = 'tools/analysis_tools/benchmark_methods.py'


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('benchmark_methods',
                                                  osp.join(REPO, TOOL))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_knn_accuracy_known_answers(tool):
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 4, 4])
    onehot = torch.nn.functional.one_hot(labels, 5).float()
    # features that are the labels: every neighbour of a class is its own
    assert tool.knn_accuracy(onehot, labels, onehot, labels, k=10) == 100
    assert tool.knn_accuracy(
        3 * onehot, labels, onehot[:4], labels[:4], k=3) == 100
    # identical features: all tied, the majority class (2) for everyone
    const = torch.ones(len(labels), 8)
    val = torch.tensor([2, 2, 0, 1])
    assert tool.knn_accuracy(
        const, labels, torch.ones(4, 8), val, k=3) == pytest.approx(50)
    assert tool.knn_accuracy(
        const, labels, const, labels, k=10) == pytest.approx(100 * 4 / 12)
    # k=1: the nearest vector's label, whatever the majority
    train = torch.tensor([[1., 0.], [0., 1.], [0., 1.1], [0.1, 1.]])
    assert tool.knn_accuracy(
        train,
        torch.tensor([0, 1, 1, 1]),
        torch.tensor([[1., 0.05]]),
        torch.tensor([0]),
        k=1) == 100


def test_positive_control_loads_the_backbone_exactly(tool, tmp_path):
    from mmpretrain.models import ResNet

    from mmdense.utils import save_checkpoint_file
    from mmdense.weights import PretrainedLoadError
    cfg = tool.load_config(tool.BASELINE_CONFIG)
    model = tool.build_model(cfg)
    weights = {
        f'backbone.{k}': v + 1
        for k, v in ResNet(depth=18).state_dict().items()
    }
    path = str(tmp_path / 'supervised.pth')
    save_checkpoint_file(
        dict(
            state_dict=dict(
                weights, **{'decode_head.conv_seg.weight': torch.zeros(3, 4)
                            })), path)
    tool.load_positive_control(model, path)
    for k, v in model.backbone.state_dict().items():
        assert torch.equal(v, weights[f'backbone.{k}']), k
    del weights['backbone.layer4.1.conv2.weight']
    save_checkpoint_file(dict(state_dict=weights), path)
    with pytest.raises(PretrainedLoadError, match='layer4.1.conv2'):
        tool.load_positive_control(model, path)
