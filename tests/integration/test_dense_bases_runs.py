"""The dense bases added beside DenseCL and SlotCon (PixPro, DetCon,
VICRegL) run
for real: each demo's weights (trained in the Runner and exported) load n/n
into the synthetic Mask R-CNN and FCN; DeCon over each exports its FPN into
the detector's ``neck``; two gloo processes give the one-process loss and
gradients at the same global batch."""
import os
import os.path as osp

import pytest
import torch
import torch.multiprocessing as mp
from helpers import (SYNTHETIC_BENCHMARKS, benchmark_model, free_port,
                     train_and_export)

from mmdense.weights import load_pretrained

METHODS = ['pixpro', 'detcon', 'vicregl']


@pytest.mark.parametrize('method', METHODS)
def test_demo_exports_the_student_backbone(method, synthetic_root, tmp_path):
    path = train_and_export(f'configs/{method}/demo.py', tmp_path,
                            synthetic_root)
    weights = torch.load(path, weights_only=True)['state_dict']
    assert {k.split('.')[0] for k in weights} == {'backbone'}
    ckpt = torch.load(
        tmp_path / 'demo' / 'iter_2.pth',
        map_location='cpu',
        weights_only=False)
    # the student (PixPro's convert_pretrain_to_d2.py keeps module.encoder.*;
    # DetCon evaluates its online network; VICRegL has no other)
    for k, v in weights.items():
        assert torch.equal(v, ckpt['state_dict'][k]), k
    n = len(weights)
    for config in SYNTHETIC_BENCHMARKS:
        report = load_pretrained(
            benchmark_model(config), path, groups=('backbone', ))
        assert report == {'backbone': f'{n}/{n} tensors'}, config


@pytest.mark.parametrize('method', METHODS)
def test_decon_over_it_exports_its_fpn_into_the_neck(method, synthetic_root,
                                                     tmp_path):
    path = train_and_export(f'configs/decon/demo_{method}.py', tmp_path,
                            synthetic_root)
    detector = benchmark_model(SYNTHETIC_BENCHMARKS[0])
    report = load_pretrained(detector, path, groups=('backbone', 'neck'))
    assert report == {'backbone': '120/120 tensors', 'neck': '48/48 tensors'}
    weights = torch.load(path, weights_only=True)['state_dict']
    for k, v in detector.neck.state_dict().items():
        assert torch.equal(v, weights[f'neck.{k}']), k


# ------------------------------------------------------- two processes
def _pixpro_head():
    from mmdense.models.heads import PixProHead
    torch.manual_seed(0)
    # BN on its running statistics: the official projectors are SyncBN,
    # which has no CPU implementation; this keeps the projection of an
    # image the same in one and in two processes
    return PixProHead(in_channels=6, hid_channels=8, out_channels=4).eval()


def _pixpro_inputs(n=4):
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


def _halves_worker(rank, world, port, out_dir, half):
    """A gloo process that saves ``half(rank, world)``."""
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    torch.save(half(rank, world), osp.join(out_dir, f'rank{rank}.pth'))
    from mmdense.utils.dist import shutdown_dist
    shutdown_dist()


def _two_halves(half, tmp_path):
    """``half``'s results of the two processes of a gloo run."""
    mp.spawn(
        _halves_worker, args=(2, free_port(), str(tmp_path), half), nprocs=2)
    return [torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1)]


def _ddp_average(grads, world):
    """What DDP does to the gradients: their mean over the processes."""
    import torch.distributed as dist
    for g in grads:
        dist.all_reduce(g)
        g /= world
    return grads


def _pixpro_half(rank, world):
    feats, geometry = _pixpro_inputs()
    b = len(feats[0]) // world
    mine = slice(rank * b, (rank + 1) * b)
    loss, grads = _loss_and_grads(
        _pixpro_head(), [f[mine] for f in feats],
        dict(
            boxes=geometry['boxes'][:, mine],
            flips=geometry['flips'][:, mine],
            image_sizes=geometry['image_sizes'][mine]))
    return dict(loss=loss, grads=_ddp_average(grads, world))


def test_pixpro_two_processes_equal_one(tmp_path):
    r0, r1 = _two_halves(_pixpro_half, tmp_path)
    loss, grads = _loss_and_grads(_pixpro_head(), *_pixpro_inputs())
    # the loss is a mean over images: the mean of the two halves' means
    torch.testing.assert_close((r0['loss'] + r1['loss']) / 2, loss)
    assert len(grads) == len(r0['grads']) > 0
    for g, g0, g1 in zip(grads, r0['grads'], r1['grads']):
        torch.testing.assert_close(g0, g)
        torch.testing.assert_close(g1, g)


def _detcon_inputs(n=4, m=3):
    g = torch.Generator().manual_seed(7)
    vecs = [torch.randn(n, m, 5, generator=g) for _ in range(4)]
    ids = [torch.randint(0, 3, (n, m), generator=g) for _ in range(2)]
    return vecs, ids


def _detcon_loss_and_grads(vecs, ids):
    from mmdense.models.losses import detcon_contrast
    preds = [v.clone().requires_grad_() for v in vecs[:2]]
    loss = detcon_contrast(*preds, *vecs[2:], *ids, 0.1)
    loss.backward()
    return loss.detach(), [p.grad for p in preds]


def _detcon_half(rank, world):
    vecs, ids = _detcon_inputs()
    b = len(ids[0]) // world
    mine = slice(rank * b, (rank + 1) * b)
    # the targets of the other process are gathered: its images are this
    # process's negatives
    loss, grads = _detcon_loss_and_grads([v[mine] for v in vecs],
                                         [i[mine] for i in ids])
    return dict(loss=loss, grads=grads)


def test_detcon_two_processes_equal_one(tmp_path):
    r0, r1 = _two_halves(_detcon_half, tmp_path)
    loss, grads = _detcon_loss_and_grads(*_detcon_inputs())
    # the loss is a mean over anchors: the mean of the two halves' means;
    # DDP averages the two processes' gradients
    torch.testing.assert_close((r0['loss'] + r1['loss']) / 2, loss)
    for g, g0, g1 in zip(grads, r0['grads'], r1['grads']):
        torch.testing.assert_close(torch.cat([g0, g1]) / 2, g)


def _vicreg_inputs(n=4):
    g = torch.Generator().manual_seed(11)
    torch.manual_seed(0)
    layer = torch.nn.Linear(5, 5)  # a shared parameter, as a model's
    return layer, [torch.randn(n, 3, 5, generator=g) for _ in range(2)]


def _vicreg_loss_and_grads(layer, x, y):
    from mmdense.models.losses import vicreg_global, vicreg_local
    x, y = layer(x), layer(y)
    terms = vicreg_global([x.mean(1), y.mean(1)], 25., 25., 1.) + \
        vicreg_local(x, y, 25., 25., 1.)
    loss = sum(terms)
    loss.backward()
    return loss.detach(), [p.grad.clone() for p in layer.parameters()]


def _vicreg_half(rank, world):
    layer, (x, y) = _vicreg_inputs()
    b = len(x) // world
    mine = slice(rank * b, (rank + 1) * b)
    # variance and covariance gather every process's rows (with gradient)
    loss, grads = _vicreg_loss_and_grads(layer, x[mine], y[mine])
    return dict(loss=loss, grads=_ddp_average(grads, world))


def test_vicregl_terms_two_processes_equal_one(tmp_path):
    r0, r1 = _two_halves(_vicreg_half, tmp_path)
    loss, grads = _vicreg_loss_and_grads(*_vicreg_inputs()[:1],
                                         *_vicreg_inputs()[1])
    # invariance is a per-process mean, variance and covariance are computed
    # on the gathered batch: the mean of the two losses is the one-process
    # loss, and DDP's averaged gradients are its gradients
    torch.testing.assert_close((r0['loss'] + r1['loss']) / 2, loss)
    for g, g0, g1 in zip(grads, r0['grads'], r1['grads']):
        torch.testing.assert_close(g0, g)
        torch.testing.assert_close(g1, g)
