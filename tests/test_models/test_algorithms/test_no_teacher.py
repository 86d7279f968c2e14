"""A dense head without a teacher (empty ``teacher_views``): the base builds
no EMA copy and trains the student alone; the methods with a teacher keep
theirs."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmdense.models.heads import BaseDenseHead
from mmdense.registry import MODELS


@MODELS.register_module()
class _StudentOnlyHead(BaseDenseHead):
    """Pulls the pooled C5 features of the two views together."""
    student_views = (0, 1)
    teacher_views = ()

    def __init__(self, in_channels):
        super().__init__()
        self.proj = torch.nn.Linear(in_channels, 4)

    def loss(self, student, teacher, geometry, step=0):
        assert teacher == {}
        z = [self.proj(student[v].mean(dim=(2, 3))) for v in (0, 1)]
        return dict(loss_mse=F.mse_loss(z[0], z[1]))


BACKBONE = dict(type='ResNet', depth=18, out_indices=(3, ))


def _model(**kw):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='DenseContrastive',
            backbone=BACKBONE,
            head=dict(type='_StudentOnlyHead', in_channels=512),
            backbone_conv_init='toolbox',
            **kw))


def test_no_teacher_is_built_and_the_student_trains():
    model = _model()
    model.init_weights()
    assert not model.has_teacher and not hasattr(model, 'teacher_backbone')
    assert model.teacher_pairs() == [] and model.ema_pairs() == []
    assert model.transfer == 'student'
    assert model.transfer_prefixes('student') == {'backbone.': 'backbone.'}
    with pytest.raises(ValueError, match='no teacher'):
        model.transfer_prefixes('teacher')
    imgs = [torch.randn(2, 3, 64, 64) for _ in range(2)]
    before = model.backbone.conv1.weight.clone()
    losses = model.loss(imgs, [DataSample(), DataSample()])
    losses['loss_mse'].backward()
    torch.optim.SGD(model.parameters(), lr=1.).step()
    assert not torch.equal(before, model.backbone.conv1.weight)
    assert int(model.step) == 1


@pytest.mark.parametrize('knob,value', [('teacher_momentum', 0.99),
                                        ('momentum_schedule', 'cosine'),
                                        ('shuffle_bn', True)])
def test_teacher_knobs_are_refused_without_a_teacher(knob, value):
    with pytest.raises(ValueError, match=f'{knob} set, but'):
        _model(**{knob: value})
    with pytest.raises(ValueError, match="transfer='teacher'"):
        _model(transfer='teacher')


def test_methods_with_a_teacher_keep_it():
    from helpers import REPO
    from mmengine.config import Config
    for config in ('densecl/demo.py', 'slotcon/demo.py', 'decon/demo.py'):
        model = MODELS.build(Config.fromfile(f'{REPO}/configs/{config}').model)
        assert model.has_teacher and hasattr(model, 'teacher_backbone')
        assert model.ema_pairs()[0] == (model.teacher_backbone, model.backbone)


def test_checkpoint_offers_the_student_only():
    from types import SimpleNamespace

    from mmdense.engine import TransferMetaHook
    from mmdense.weights import extract_transfer_weights
    model = _model()
    ckpt = dict(state_dict=model.state_dict(), meta={})
    TransferMetaHook().before_save_checkpoint(
        SimpleNamespace(model=model), ckpt)
    assert set(ckpt['meta']['transfer']) == {'source', 'student'}
    assert set(extract_transfer_weights(ckpt)) == {
        f'backbone.{k}'
        for k in model.backbone.state_dict()
    }
    with pytest.raises(ValueError, match="'teacher' not available"):
        extract_transfer_weights(ckpt, source='teacher')
