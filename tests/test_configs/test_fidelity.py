"""Details outside the loss formulas that the official code fixes: teachers
that start as exact copies of their students, SlotCon's heads, init and
ResNet, DeCon's decoder init and teacher prototypes, SlotCon's schedule,
DenseCL's defaults, InstDisc's, PixPro's, DetCon's and VICRegL's
recipes.  Expected
values are the official code's (file and line in docs/fidelity.md), or
worked out by hand.
"""
import math
import os.path as osp

import pytest
import torch
import torch.nn as nn
from helpers import REPO, assert_teachers_equal_students
from mmengine.config import Config

from mmdense.models.heads import DenseCLHead
from mmdense.registry import MODELS


def _cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', name))


PAPER_CONFIGS = [
    'densecl/coco.py', 'densecl/imagenet.py', 'mocov1/coco.py',
    'mocov2/coco.py', 'mocov2/imagenet.py', 'slotcon/coco.py',
    'slotcon/imagenet.py', 'decon/coco.py', 'decon/imagenet.py',
    'decon/coco_fcn.py', 'decon/coco_multi-level.py', 'decon/densecl_coco.py',
    'byol/coco.py', 'pixpro/imagenet.py', 'decon/pixpro_coco.py',
    'detcon/imagenet.py', 'decon/detcon_coco.py'
]


@pytest.mark.parametrize('config', PAPER_CONFIGS)
def test_teacher_is_student_copy_after_build_and_init(config):
    torch.manual_seed(0)
    model = MODELS.build(_cfg(config).model)
    model.init_weights()
    assert_teachers_equal_students(model)


def _linears(mlp):
    return [m for m in mlp.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def _shapes(mlp):
    return [(m.in_channels, m.out_channels) if isinstance(m, nn.Conv2d) else
            (m.in_features, m.out_features) for m in _linears(mlp)]


def test_slotcon_and_decon_head_shapes():
    """SlotCon models/slotcon.py: projector DINOHead2d(2048, 4096, 256) and
    predictor_slot DINOHead(256, 4096, 256), both nlayers=3; DeCon's
    decoder heads the same from 256 channels."""
    slotcon = MODELS.build(_cfg('slotcon/coco.py').model)
    assert _shapes(slotcon.head.projector) == [(2048, 4096), (4096, 4096),
                                               (4096, 256)]
    assert _shapes(slotcon.head.predictor) == [(256, 4096), (4096, 4096),
                                               (4096, 256)]
    for config, levels in (('decon/coco.py', 1), ('decon/coco_multi-level.py',
                                                  4)):
        decon = MODELS.build(_cfg(config).model)
        assert len(decon.decoder_heads) == levels
        for head in decon.decoder_heads:
            assert _shapes(head.projector) == [(256, 4096), (4096, 4096),
                                               (4096, 256)]
            assert _shapes(head.predictor) == [(256, 4096), (4096, 4096),
                                               (4096, 256)]
        assert all(
            isinstance(m, nn.GELU) for m in decon.head.predictor
            if not isinstance(m, (nn.Linear, nn.BatchNorm1d)))


def test_dino_head_init_statistics():
    """trunc_normal_(std=0.02), biases 0 (DINOHead._init_weights). PyTorch's
    default would give std 1/sqrt(3 fan_in): 0.036 for fan_in 256, 0.009
    for 4096, 0.0128 for 2048."""
    torch.manual_seed(0)
    model = MODELS.build(_cfg('slotcon/coco.py').model)
    model.init_weights()
    for mlp in (model.head.projector, model.head.predictor,
                model.head.teacher_projector):
        for m in _linears(mlp):
            w = m.weight.flatten()
            assert abs(w.std().item() - 0.02) < 0.0005
            assert abs(w.mean().item()) < 0.0005
            assert torch.count_nonzero(m.bias) == 0


def _residual_norms(backbone):
    from mmpretrain.models.backbones.resnet import BasicBlock, Bottleneck
    for m in backbone.modules():
        if isinstance(m, Bottleneck):
            yield m.norm3
        elif isinstance(m, BasicBlock):
            yield m.norm2


@pytest.mark.parametrize('config,zero', [('slotcon/coco.py', True),
                                         ('decon/coco.py', True),
                                         ('slotcon/demo.py', True),
                                         ('densecl/coco.py', False),
                                         ('mocov2/coco.py', False)])
def test_zero_gamma(config, zero):
    """SlotCon's models/resnet.py zero-initialises the last BN of every
    block (its DeCon fork too); DenseCL / MoCo use torchvision's ResNet with
    zero_init_residual=False."""
    torch.manual_seed(0)
    model = MODELS.build(_cfg(config).model)
    model.init_weights()
    for backbone in (model.backbone, model.teacher_backbone):
        norms = list(_residual_norms(backbone))
        assert len(norms) in (8, 16)
        assert all(bool((n.weight == 0).all()) == zero for n in norms)


def test_densecl_defaults():
    """No dense warm-up by default (the official hook is 'not used by
    default'): lambda = 0.5 from the first iteration."""
    assert DenseCLHead(in_channels=8).dense_warmup_iters == 0
    for config in ('densecl/coco.py', 'densecl/imagenet.py', 'densecl/demo.py',
                   'decon/densecl_coco.py'):
        head_cfg = _cfg(config).model.head.copy()
        assert head_cfg.pop('type') == 'DenseCLHead'
        assert DenseCLHead(**head_cfg).dense_warmup_iters == 0
    torch.manual_seed(0)
    head = DenseCLHead(
        in_channels=8, hid_channels=8, out_channels=4, queue_len=8)
    losses = head.loss({0: torch.randn(2, 8, 3, 3)},
                       {1: torch.randn(2, 8, 3, 3)},
                       step=0)
    assert float(losses['loss_dense']) > 0
    assert float(losses['loss_global']) > 0


@pytest.mark.parametrize('config,fan', [('densecl/coco.py', 'in'),
                                        ('decon/densecl_coco.py', 'in'),
                                        ('mocov2/coco.py', 'out'),
                                        ('slotcon/coco.py', 'out')])
def test_resnet_conv_init(config, fan):
    """Kaiming-normal, std sqrt(2 / fan): OpenSelfSup's ResNet (DenseCL)
    uses fan_in (backbones/resnet.py init_weights), torchvision's (MoCo) and
    SlotCon's fan_out.  layer1.0.conv3 (64 -> 256, 1x1): fan_in 64 gives
    std 0.177, fan_out 256 gives 0.088."""
    torch.manual_seed(0)
    model = MODELS.build(_cfg(config).model)
    model.init_weights()
    w = model.backbone.layer1[0].conv3.weight
    want = math.sqrt(2 / (64 if fan == 'in' else 256))
    assert abs(w.std().item() / want - 1) < 0.03
    assert_teachers_equal_students(model)


def test_densecl_projector_init():
    """The official DenseCL neck: init_weights(init_linear='kaiming'), i.e.
    Kaiming-normal fan-in ReLU on its Linear layers (std sqrt(2 / fan_in)),
    bias 0; its 1x1 convs keep PyTorch's default."""
    torch.manual_seed(0)
    model = MODELS.build(_cfg('densecl/coco.py').model)
    model.init_weights()
    fc = model.head.projector.mlp[0]
    assert abs(fc.weight.std().item() - math.sqrt(2 / 2048)) < 0.001
    assert torch.count_nonzero(fc.bias) == 0
    conv = model.head.projector.mlp2[0]
    assert abs(conv.weight.std().item() - 1 / math.sqrt(3 * 2048)) < 0.0005


def test_decon_densecl_dense_term_fits_a_gpu():
    """configs/decon/densecl_coco.py: P2 of a 224-px crop pooled to 14 x 14
    for the decoder head's dense term; its fp32 logits at 32 images per GPU
    against the 65536-key queue: 196 * 32 * 65537 * 4 B = 1.64 GB (all of
    P2's 3136 locations would need 26.3 GB)."""
    model = _cfg('decon/densecl_coco.py').model
    assert model.decoder_head == dict(dense_grid=14)
    assert model.head.get('dense_grid') is None  # C5 (7 x 7) unchanged
    head_cfg = model.head.copy()
    head_cfg.pop('type')
    queue_len = DenseCLHead(**head_cfg).queue.keys.shape[0]
    logits = 14 * 14 * 32 * (queue_len + 1) * 4
    assert logits / 1e9 == pytest.approx(1.644, abs=0.001)


def _conv_stats(module):
    return [(m.weight, m.weight[0].numel(), m.bias) for m in module.modules()
            if isinstance(m, nn.Conv2d)]


def test_decon_fpn_decoder_c2_xavier_fill():
    """The authors' FPN is detectron2's: c2_xavier_fill = kaiming_uniform_
    (a=1): U(-b, b), b = sqrt(3 / fan_in), std 1 / sqrt(fan_in); mmdet's
    Xavier-uniform would give b = sqrt(6 / (fan_in + fan_out)) (0.051 for the
    2048 -> 256 lateral, against 0.038)."""
    torch.manual_seed(0)
    model = MODELS.build(_cfg('decon/coco.py').model)
    model.init_weights()
    convs = _conv_stats(model.neck)
    assert len(convs) == 8  # 4 laterals + 4 output convs
    for w, fan_in, bias in convs:
        bound = math.sqrt(3 / fan_in)
        assert w.abs().max().item() <= bound
        assert w.abs().max().item() > 0.99 * bound
        assert abs(w.std().item() * math.sqrt(fan_in) - 1) < 0.02
        assert bias is None or torch.count_nonzero(bias) == 0
    assert_teachers_equal_students(model)


def test_decon_fcn_decoder_pytorch_init():
    """The authors' FCN decoder is plain nn.Conv2d (bias=False) + BN:
    PyTorch's default kaiming_uniform_(a=sqrt(5)): U(-b, b), b = 1 /
    sqrt(fan_in); mmcv's ConvModule would give Kaiming-normal fan-out (std
    0.0295 for 256 x 3 x 3 outputs)."""
    torch.manual_seed(0)
    model = MODELS.build(_cfg('decon/coco_fcn.py').model)
    model.init_weights()
    convs = _conv_stats(model.decode_head)
    assert len(convs) == 2
    for w, fan_in, bias in convs:
        bound = 1 / math.sqrt(fan_in)
        assert w.abs().max().item() <= bound
        assert abs(w.std().item() * math.sqrt(3 * fan_in) - 1) < 0.02
        assert bias is None
    assert_teachers_equal_students(model)


def _decon_demo(prototypes):
    cfg = _cfg('decon/demo.py')
    cfg.model.decoder_prototypes = prototypes
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.max_iters = 100
    return model


def _views(n=4, size=64):
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(1)
    inputs = [torch.rand(n, 3, size, size, generator=g) for _ in (0, 1)]
    samples = []
    for _ in range(n):
        s = DataSample()
        s.set_metainfo(
            dict(
                view_boxes=[[0, 0, 64, 64], [8, 8, 72, 72]],
                view_flips=[False, True],
                view_sizes=[(size, size), (size, size)]))
        samples.append(s)
    return inputs, samples


@pytest.mark.parametrize('prototypes', ['frozen', 'ema'])
def test_decon_teacher_decoder_prototypes(prototypes):
    """Over two training steps: 'frozen' keeps the teacher decoder
    prototypes at their initial copy (the authors' code); 'ema' gives
    m * t + (1 - m) * s.  The encoder head's teacher prototypes follow EMA
    in both."""
    model = _decon_demo(prototypes)
    optim = torch.optim.SGD(model.parameters(), lr=0.5)
    dec, enc = model.decoder_heads[0], model.head
    start = dec.teacher_grouping.prototypes.weight.clone()
    assert torch.equal(start, dec.grouping.prototypes.weight)
    inputs, samples = _views()
    snapshots = []
    for _ in range(2):
        snapshots.append((dec.grouping.prototypes.weight.clone(),
                          dec.teacher_grouping.prototypes.weight.clone(),
                          enc.grouping.prototypes.weight.clone(),
                          enc.teacher_grouping.prototypes.weight.clone()))
        m = model.momentum_at(model._step)
        optim.zero_grad()
        sum(model.loss(inputs, samples).values()).backward()
        optim.step()
    # step 2's EMA used the student after step 1's update
    s1, t1, es1, et1 = snapshots[1]
    assert not torch.equal(s1, start)  # the student prototypes did train
    t2 = dec.teacher_grouping.prototypes.weight
    if prototypes == 'frozen':
        assert torch.equal(t2, start)
    else:
        torch.testing.assert_close(
            t2, m * t1 + (1 - m) * s1, rtol=0, atol=1e-6)
        assert not torch.equal(t2, start)
    torch.testing.assert_close(
        enc.teacher_grouping.prototypes.weight,
        m * et1 + (1 - m) * es1,
        rtol=0,
        atol=1e-6)


@pytest.mark.parametrize('config', [
    'slotcon/coco.py', 'slotcon/imagenet.py', 'decon/coco.py',
    'decon/coco_fcn.py', 'decon/imagenet.py'
])
def test_slotcon_recipe(config):
    """main_pretrain.py (--base-lr 1.0 x batch / 256, --warmup-epoch 5,
    --warmup-multiplier 100), utils/lr_scheduler.py (eta_min 1e-6),
    utils/lars.py; weight decay 1e-5 and 8 x 64 from the launch scripts."""
    cfg = _cfg(config)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
        ('BarlowTwinsLARS', 2.0, 0.9, 1e-5)
    assert 'paramwise_cfg' not in cfg.optim_wrapper  # 1-D rule in LARS
    warm, cos = cfg.param_scheduler
    assert (warm.type, warm.start_factor, warm.begin, warm.end) == \
        ('LinearLR', 0.01, 0, 5)
    assert (cos.type, cos.eta_min, cos.begin, cos.end) == \
        ('CosineAnnealingLR', 1e-6, 5, cfg.train_cfg.max_epochs)
    assert cos.T_max == cfg.train_cfg.max_epochs - 5
    assert cfg.auto_scale_lr.base_batch_size == 512
    assert cfg.train_dataloader.batch_size == 64


def test_instdisc_recipe():
    """lemniscate.pytorch main.py: lr 0.03, momentum 0.9, wd 1e-4 (:51),
    batch 256, 200 epochs, lr x 0.1 at 120 and x 0.01 from 160 (:255-263)."""
    cfg = _cfg('instdisc/imagenet.py')
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
        ('SGD', 0.03, 0.9, 1e-4)
    (step, ) = cfg.param_scheduler
    assert (step.milestones, step.gamma) == ([120, 160], 0.1)
    assert cfg.train_cfg.max_epochs == 200
    assert cfg.train_dataloader.batch_size * 8 == 256
    assert _cfg('instdisc/coco.py').optim_wrapper.optimizer.weight_decay \
        == 1e-4


def test_context_prediction_resize_leaves_room_for_the_grid():
    """The 3 x 3 grid of 96 px cells 48 px apart with 7 px jitter needs a
    398 px short side; the COCO / ImageNet pipelines resize to a short side
    of 400-600 px, so no COCO-shaped image is rejected (a
    RandomResize(scale=(640, 480), ratio_range=(0.7, 1.22)) would reject 295
    of 800 draws of these shapes)."""
    import numpy as np
    from mmengine.dataset import Compose
    for config in ('relative_loc/coco.py', 'patch_adjacent/coco.py',
                   'patch_order/coco.py'):
        pipeline = _cfg(config).train_dataloader.dataset.pipeline
        resize, sample = Compose(pipeline[1:2]), Compose(pipeline[2:-1])
        np.random.seed(0)
        for _ in range(50):
            for shape in ((427, 640), (640, 427), (333, 500), (480, 640)):
                out = resize(
                    dict(
                        img=np.zeros(shape + (3, ), np.uint8),
                        img_shape=shape,
                        ori_shape=shape))
                assert 400 <= min(out['img'].shape[:2]) <= 600
                sample(out)  # raises ValueError where the grid does not fit


@pytest.mark.parametrize('config,epochs', [('pixpro/imagenet.py', 100),
                                           ('pixpro/imagenet_400e.py', 400),
                                           ('pixpro/coco.py', 800)])
def test_pixpro_recipe(config, epochs):
    """tools/pixpro_base_r50_100ep.sh / _400ep.sh: 8 x 128, LARS base lr 1.0
    (x 1024 / 256 = 4.0, main_pretrain.py:43), wd 1e-5, 5 warm-up epochs
    from lr / 100 (option.py:50, lr_scheduler.py:29), cosine to 1e-6
    (lr_scheduler.py:69); --aug BYOL views with bilinear crops
    (transform_coord.py:143) and no overlap condition."""
    cfg = _cfg(config)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
        ('BarlowTwinsLARS', 4.0, 0.9, 1e-5)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'  # apex O1
    warm, cos = cfg.param_scheduler
    assert (warm.start_factor, warm.begin, warm.end) == (0.01, 0, 5)
    assert (cos.eta_min, cos.begin, cos.end, cos.T_max) == \
        (1e-6, 5, epochs, epochs - 5)
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.train_dataloader.batch_size * 8 == 1024
    assert cfg.auto_scale_lr.base_batch_size == 1024
    views = cfg.train_dataloader.dataset.pipeline[1]
    assert views.type == 'MultiViewWithGeometry'
    assert views.get('min_overlap') is None
    blur = [[t.get('prob') for t in v if t.type == 'GaussianBlur']
            for v in views.transforms]
    assert blur == [[1.], [0.1]]
    for v in views.transforms:
        assert v[0].interpolation == 'bilinear'
        assert [t.type for t in v].count('Solarize') == (
            v is views.transforms[1])
    assert 'ori_shape' in cfg.train_dataloader.dataset.pipeline[2].meta_keys


def test_pixpro_model():
    """PixPro.py: projector MLP2d(2048, 4096, 256) of 1x1 convs with bias
    and BN (:24-41, :92); one transform layer = conv1x1(256, 256) with bias
    (:139); gamma 2, pos-ratio 0.7, no instance branch (the scripts); EMA
    over encoder and projector only (:168-172), momentum 0.99 cosine
    (:165); the student encoder is exported; zero-gamma ResNet
    (resnet.py:164-173) with fan_out convs (:158)."""
    model = MODELS.build(_cfg('pixpro/imagenet.py').model)
    head = model.head
    convs = _linears(head.projector)
    assert _shapes(head.projector) == [(2048, 4096), (4096, 256)]
    assert all(m.bias is not None for m in convs)
    assert sum(
        isinstance(m, nn.BatchNorm2d) for m in head.projector.modules()) == 1
    g = head.propagation.value_transform
    assert isinstance(g, nn.Conv2d) and (g.in_channels, g.out_channels,
                                         g.kernel_size) == (256, 256, (1, 1))
    assert g.bias is not None
    assert (head.propagation.gamma, head.pos_ratio,
            head.instance_loss_weight) == (2., 0.7, 0.)
    assert model.ema_pairs() == [(model.teacher_backbone, model.backbone),
                                 (head.teacher_projector, head.projector)]
    assert (model.teacher_momentum, model.momentum_schedule, model.transfer,
            model.shuffle_bn) == (0.99, 'cosine', 'student', False)
    assert model.backbone.zero_init_residual
    assert _cfg('pixpro/imagenet.py').sync_bn == 'torch'


def test_pixpro_demo_views_are_the_recipe_s_at_64_px():
    """The CPU demo's views differ from the COCO recipe's only in the crop
    size (its loader is the SlotCon demo's)."""

    def views(config):
        return _cfg(config).train_dataloader.dataset.pipeline[1]

    demo, coco = views('pixpro/demo.py'), views('pixpro/coco.py')
    for v in (*demo.transforms, *coco.transforms):
        v[0].pop('scale')
    assert demo == coco


@pytest.mark.parametrize('config,epochs,warm',
                         [('detcon/imagenet.py', 1000, 10),
                          ('detcon/imagenet_100e.py', 100, 1)])
def test_detcon_recipe(config, epochs, warm):
    """detcon_b_config.py: 4096 images, LARS base lr 0.2 scaled by batch
    (3.2), wd 1.5e-6, eta 1e-3, momentum 0.9 (:64-72), warm-up num_epochs //
    100 epochs (:31-32; the optimizer's warmup_epochs=10 is unused), cosine
    to 0 (schedules.py:41-44), fp32; BYOL views without an overlap
    condition, FH masks carried per view."""
    cfg = _cfg(config)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
        ('BarlowTwinsLARS', 3.2, 0.9, 1.5e-6)
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    warm_s, cos = cfg.param_scheduler
    assert (warm_s.begin, warm_s.end) == (0, warm)
    assert warm_s.start_factor <= 1e-6
    assert (cos.eta_min, cos.begin, cos.end, cos.T_max) == \
        (0., warm, epochs, epochs - warm)
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.train_dataloader.batch_size * 16 == 4096
    names = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert names == [
        'LoadImageFromFile', 'LoadFHMask', 'MultiViewWithGeometry',
        'ViewMasks', 'PackInputs'
    ]
    views = cfg.train_dataloader.dataset.pipeline[2]
    assert views.get('min_overlap') is None
    assert 'view_masks' in cfg.train_dataloader.dataset.pipeline[4].meta_keys


def test_detcon_model():
    """detcon_b.py / networks.py: MLP Linear(2048, 4096) with bias - BN -
    ReLU - Linear(4096, 256) without bias, predictor 256 - 4096 - 256, 16
    masks, tau 0.1; target EMA 0.996 cosine over encoder and projector;
    Haiku conv init (truncated normal 1/sqrt(fan_in)), zero-gamma."""
    torch.manual_seed(0)
    model = MODELS.build(_cfg('detcon/imagenet.py').model)
    model.init_weights()
    head = model.head
    assert _shapes(head.projector) == [(2048, 4096), (4096, 256)]
    assert _shapes(head.predictor) == [(256, 4096), (4096, 256)]
    assert head.projector.fc1.bias is None
    assert (head.num_masks, head.temperature) == (16, 0.1)
    assert model.ema_pairs() == [(model.teacher_backbone, model.backbone),
                                 (head.teacher_projector, head.projector)]
    assert (model.teacher_momentum, model.momentum_schedule, model.transfer,
            model.backbone_conv_init) == (0.996, 'cosine', 'student', 'haiku')
    w = model.backbone.layer1[0].conv2.weight  # 3x3, 64 in: fan_in 576
    assert w.abs().max() <= 2 / math.sqrt(576) + 1e-6
    assert w.std().item() == pytest.approx(0.88 / math.sqrt(576), rel=0.05)
    assert (model.backbone.layer1[0].bn3.weight == 0).all()


@pytest.mark.parametrize('config,lr,batch,epochs,alpha',
                         [('vicregl/imagenet.py', 0.6, 512, 100, .75),
                          ('vicregl/imagenet_300e.py', 1.6, 2048, 300, .75),
                          ('vicregl/imagenet_alpha0.9.py', 0.6, 512, 100, .9)])
def test_vicregl_recipe(config, lr, batch, epochs, alpha):
    """README ResNet-50 commands: --batch-size 512 --base-lr 0.3 --epochs 100
    and --batch-size 2048 --base-lr 0.2 --epochs 300, --alpha 0.75 (0.9 the
    other release); optimizers.py: LARS wd 1e-6, eta 1e-3, momentum 0.9
    (:104-113); utils.py: lr x batch / 256, warm-up 10 epochs from 0, cosine
    to 0.001 x lr (:44-63); main_vicregl.py: 8192-8192-8192 and 512-512-512
    projectors, coefficients 25 / 25 / 1, matches 20 / 4, --no-flip-grid 1
    (:40-66); two 224-px views, scale 0.08-1, independent crops."""
    cfg = _cfg(config)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
        ('BarlowTwinsLARS', lr, 0.9, 1e-6)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'  # --fp16
    warm, cos = cfg.param_scheduler
    assert (warm.begin, warm.end) == (0, 10) and warm.start_factor <= 1e-6
    assert (cos.eta_min_ratio, cos.begin, cos.end, cos.T_max) == \
        (1e-3, 10, epochs, epochs - 10)
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.auto_scale_lr.base_batch_size == batch
    assert cfg.train_dataloader.batch_size == 64
    views = cfg.train_dataloader.dataset.pipeline[1]
    assert views.type == 'MultiViewWithGeometry'
    assert views.get('min_overlap') is None
    head = MODELS.build(cfg.model).head
    assert head.alpha == alpha
    assert _shapes(head.projector) == [(2048, 8192), (8192, 8192),
                                       (8192, 8192)]
    assert _shapes(head.maps_projector) == [(2048, 512), (512, 512),
                                            (512, 512)]
    assert (head.coeffs, head.num_matches, head.flip_grid) == \
        ((25., 25., 1.), (20, 4), False)
