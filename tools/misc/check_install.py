"""Exit 0 when every pinned requirement of mmdense is installed, else list
what is missing and exit 1.  Standard library only: it runs before torch is
installed (tools/setup_env.sh uses it to skip pip when nothing is missing)."""
import importlib.metadata as metadata
import importlib.util
import os.path as osp
import re
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FILES = ('build.txt', 'mminstall.txt', 'runtime.txt', 'tests.txt')


def requirements():
    for name in FILES:
        with open(osp.join(ROOT, 'requirements', name)) as f:
            for line in f:
                line = line.split('#')[0].strip()
                if line:
                    yield line


def problems():
    for req in requirements():
        match = re.match(r'([A-Za-z0-9_.\-]+)\s*(==)?\s*([^<>=]*)$', req)
        name, pinned = (match.group(1),
                        match.group(3)) if match else (re.split(r'[<>=]',
                                                                req)[0], '')
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            yield f'{name}: not installed'
            continue
        if pinned and have.split('+')[0] != pinned:
            yield f'{name}: {have} installed, {pinned} required'
    spec = importlib.util.find_spec('mmdense')
    if spec is None or not spec.origin.startswith(ROOT + osp.sep):
        yield f'mmdense: not installed in develop mode from {ROOT}'


def main():
    missing = list(problems())
    if not missing:
        ops = subprocess.run([sys.executable, '-c', 'import mmcv.ops'],
                             capture_output=True)
        if ops.returncode != 0:
            missing.append('mmcv: installed without its compiled ops')
    for item in missing:
        print(f'  missing: {item}')
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
