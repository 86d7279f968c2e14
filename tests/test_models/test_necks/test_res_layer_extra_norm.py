"""ResLayerExtraNorm (the C4 shared head with a norm after res5): its forward
and the pre-trained res5 loaded into it."""
import torch

# ---- the extra norm after res5 ---------------------------------------------


def test_extra_norm_head_forward_and_res5_loading(tmp_path):
    from mmpretrain.models import ResNet

    from mmdense.models.necks import ResLayerExtraNorm
    from mmdense.registry import MODELS
    from mmdense.weights import load_pretrained
    assert MODELS.get('ResLayerExtraNorm') is ResLayerExtraNorm
    torch.manual_seed(0)
    head = ResLayerExtraNorm(
        depth=50,
        stage=3,
        stride=2,
        style='pytorch',
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False)
    head.init_weights()
    assert isinstance(head.norm, torch.nn.BatchNorm2d)
    assert head.norm.num_features == 2048
    assert torch.equal(head.norm.weight, torch.ones(2048))
    assert torch.equal(head.norm.bias, torch.zeros(2048))
    x = torch.randn(2, 1024, 14, 14)
    head.train()
    out = head(x)
    assert out.shape == (2, 2048, 7, 7)
    # training mode: each channel normalised over the batch (weight 1, bias
    # 0), i.e. the norm really follows res5
    assert out.mean((0, 2, 3)).abs().max() < 1e-4
    head.eval()
    with torch.no_grad():
        assert torch.equal(head(x), head.norm(head.layer4(x)))
    # the pre-trained res5 into roi_head.shared_head.layer4, n / n
    resnet = ResNet(depth=50)
    weights = {f'backbone.{k}': v for k, v in resnet.state_dict().items()}
    path = str(tmp_path / 'r50.pth')
    torch.save(dict(state_dict=weights), path)
    model = torch.nn.Module()
    model.roi_head = torch.nn.Module()
    model.roi_head.shared_head = head
    report = load_pretrained(
        model,
        path,
        groups=('roi_head.shared_head.layer4', ),
        key_map={'backbone.layer4.': 'roi_head.shared_head.layer4.'})
    n = len(resnet.layer4.state_dict())
    assert report == {'roi_head.shared_head.layer4': f'{n}/{n} tensors'}
    assert torch.equal(head.layer4[0].downsample[0].weight,
                       resnet.layer4[0].downsample[0].weight)
    assert torch.equal(head.norm.weight, torch.ones(2048))  # new, untouched
    assert sorted(k for k in head.state_dict()
                  if not k.startswith('layer4.')) == [
                      'norm.bias', 'norm.num_batches_tracked',
                      'norm.running_mean', 'norm.running_var', 'norm.weight'
                  ]
