"""Patch pairs whose second patch comes from another image swap exactly the
flagged rows."""
import torch


def test_second_from_other_images_swaps_exactly_the_flagged_rows():
    from mmdense.models.utils.pair_swap import second_from_other_images
    second = torch.arange(6.)[:, None].expand(6, 3)  # row i holds i
    flags = torch.tensor([1, 0, 1, 1, 0, 1])
    torch.manual_seed(0)
    for _ in range(20):
        out = second_from_other_images(second, flags)
        src = out[:, 0].long()
        for i in range(6):
            assert (src[i] != i) if flags[i] else (src[i] == i)
            assert torch.equal(out[i], second[src[i]])
