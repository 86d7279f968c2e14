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
