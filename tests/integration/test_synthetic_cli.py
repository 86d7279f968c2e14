"""tools/dataset_converters/make_synthetic.py as a user runs it."""
import subprocess
import sys

from helpers import REPO


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
def test_cli(tmp_path):
    out = tmp_path / 'a' / 'b'
    result = subprocess.run([
        sys.executable, 'tools/dataset_converters/make_synthetic.py',
        '--out-dir',
        str(out), '--formats', 'coco', 'ade20k', '--num-train', '2',
        '--num-val', '1', '--num-unlabeled', '1', '--size', '48', '40'
    ],
                            cwd=REPO,
                            capture_output=True,
                            text=True,
                            check=True)
    assert str(out / 'coco') in result.stdout
    assert str(out / 'ade/ADEChallengeData2016') in result.stdout
    assert "'train2017': {'images': 2" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ['ade', 'coco']
    assert len(list((out / 'coco/unlabeled2017').iterdir())) == 1


def test_fh_masks_cli(tmp_path):
    """make_fh_masks.py writes one mask per image of the synthetic COCO+,
    keeps them on a second run, and names a missing folder in one line."""
    subprocess.run([
        sys.executable, 'tools/dataset_converters/make_synthetic.py',
        '--out-dir',
        str(tmp_path), '--formats', 'coco', '--num-train', '2', '--num-val',
        '1', '--num-unlabeled', '1'
    ],
                   cwd=REPO,
                   check=True,
                   capture_output=True)
    cmd = [
        sys.executable, 'tools/dataset_converters/make_fh_masks.py',
        str(tmp_path / 'coco'), '--folders', 'train2017', 'unlabeled2017'
    ]
    first = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, check=True)
    assert '3 written, 0 kept' in first.stdout
    masks = sorted((tmp_path / 'coco' / 'fh_masks').rglob('*.png'))
    assert len(masks) == 3
    again = subprocess.run(
        cmd, cwd=REPO, capture_output=True, text=True, check=True)
    assert '0 written, 3 kept' in again.stdout
    bad = subprocess.run(
        cmd[:3] + ['--folders', 'val2099'],
        cwd=REPO,
        capture_output=True,
        text=True)
    assert bad.returncode == 1
    assert 'val2099' in bad.stderr and len(bad.stderr.splitlines()) == 1
