"""PixPro run for real: its demo's weights (trained in the Runner and
exported) load n/n into the synthetic Mask R-CNN and FCN; DeCon over PixPro
exports its FPN into the detector's ``neck``; two gloo processes give the
one-process loss and gradients at the same global batch."""
import os
import os.path as osp

import torch
import torch.multiprocessing as mp
from helpers import (REPO, SYNTHETIC_BENCHMARKS, benchmark_model, free_port,
                     run_tool)

from mmdense.weights import load_pretrained

FAST = [
    'train_cfg.max_iters=2', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=0'
]


def _export(config, work, synthetic_root):
    """Train ``config`` for 2 iterations in the Runner; its exported
    transfer weights."""
    if not osp.exists(work / 'data'):
        os.makedirs(work / 'data')
        os.symlink(synthetic_root, work / 'data' / 'synthetic')
    name = osp.splitext(osp.basename(config))[0]
    run_tool([
        'tools/train.py',
        osp.join(REPO, config), '--work-dir',
        str(work / name), '--cfg-options', *FAST
    ],
             cwd=work)
    out = str(work / f'{name}.pth')
    run_tool([
        'tools/model_converters/extract_transfer_weights.py',
        str(work / name / 'iter_2.pth'), out
    ],
             cwd=work)
    return out


def test_pixpro_demo_exports_the_student_backbone(synthetic_root, tmp_path):
    path = _export('configs/pixpro/demo.py', tmp_path, synthetic_root)
    weights = torch.load(path, weights_only=True)['state_dict']
    assert {k.split('.')[0] for k in weights} == {'backbone'}
    ckpt = torch.load(
        tmp_path / 'demo' / 'iter_2.pth',
        map_location='cpu',
        weights_only=False)
    # the student, as PixPro's convert_pretrain_to_d2.py (module.encoder.*)
    for k, v in weights.items():
        assert torch.equal(v, ckpt['state_dict'][k]), k
    n = len([k for k in weights])
    for config in SYNTHETIC_BENCHMARKS:
        report = load_pretrained(
            benchmark_model(config), path, groups=('backbone', ))
        assert report == {'backbone': f'{n}/{n} tensors'}, config


def test_decon_over_pixpro_exports_its_fpn_into_the_neck(
        synthetic_root, tmp_path):
    path = _export('configs/decon/demo_pixpro.py', tmp_path, synthetic_root)
    detector = benchmark_model(SYNTHETIC_BENCHMARKS[0])
    report = load_pretrained(detector, path, groups=('backbone', 'neck'))
    assert report == {'backbone': '120/120 tensors', 'neck': '48/48 tensors'}
    weights = torch.load(path, weights_only=True)['state_dict']
    for k, v in detector.neck.state_dict().items():
        assert torch.equal(v, weights[f'neck.{k}']), k


# ------------------------------------------------------- two processes
def _head():
    from mmdense.models.heads import PixProHead
    torch.manual_seed(0)
    # BN on its running statistics: the official projectors are SyncBN,
    # which has no CPU implementation; this keeps the projection of an
    # image the same in one and in two processes
    return PixProHead(in_channels=6, hid_channels=8, out_channels=4).eval()


def _inputs(n=4):
    g = torch.Generator().manual_seed(3)
    feats = [torch.randn(n, 6, 3, 3, generator=g) for _ in range(4)]
    boxes = torch.tensor([[[0., 0., 40., 30.], [10., 5., 50., 45.],
                           [3., 9., 33., 39.], [0., 0., 60., 60.]],
                          [[8., 4., 48., 44.], [0., 0., 30., 30.],
                           [12., 0., 52., 40.], [20., 20., 50., 50.]]])
    geometry = dict(
        boxes=boxes,
        flips=torch.tensor([[False, True, False, True],
                            [True, False, False, True]]),
        image_sizes=torch.tensor([[60., 60.], [50., 70.], [45., 64.],
                                  [61., 61.]]))
    return feats, geometry


def _loss_and_grads(head, feats, geometry):
    s0, s1, t0, t1 = feats
    loss = head.loss({0: s0, 1: s1}, {0: t0, 1: t1}, geometry)['loss_pixpro']
    head.zero_grad()
    loss.backward()
    return loss.detach(), [
        p.grad.clone() for p in head.parameters() if p.grad is not None
    ]


def _worker(rank, world, port, out_dir):
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    feats, geometry = _inputs()
    b = len(feats[0]) // world
    mine = slice(rank * b, (rank + 1) * b)
    loss, grads = _loss_and_grads(
        _head(), [f[mine] for f in feats],
        dict(
            boxes=geometry['boxes'][:, mine],
            flips=geometry['flips'][:, mine],
            image_sizes=geometry['image_sizes'][mine]))
    for g in grads:  # what DDP does to the gradients
        dist.all_reduce(g)
        g /= world
    torch.save(
        dict(loss=loss, grads=grads), osp.join(out_dir, f'rank{rank}.pth'))
    from mmdense.utils.dist import shutdown_dist
    shutdown_dist()


def test_two_processes_equal_one_at_the_same_global_batch(tmp_path):
    mp.spawn(_worker, args=(2, free_port(), str(tmp_path)), nprocs=2)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1))
    loss, grads = _loss_and_grads(_head(), *_inputs())
    # the loss is a mean over images: the mean of the two halves' means
    torch.testing.assert_close((r0['loss'] + r1['loss']) / 2, loss)
    assert len(grads) == len(r0['grads']) > 0
    for g, g0, g1 in zip(grads, r0['grads'], r1['grads']):
        torch.testing.assert_close(g0, g)
        torch.testing.assert_close(g1, g)
