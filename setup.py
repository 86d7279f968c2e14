from setuptools import find_packages, setup


def read_requirements(path):
    with open(path) as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]


def version():
    scope = {}
    with open('mmdense/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmdense',
    version=version(),
    description='Self-supervised dense contrastive pre-training and transfer '
    'benchmarks for OpenMMLab',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    python_requires='>=3.10',
    # torch and the OpenMMLab stack (mmcv has to be built against the torch
    # that is installed) are installed by tools/setup_env.sh, in that order;
    # see requirements/build.txt and requirements/mminstall.txt.
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require=dict(
        tests=read_requirements('requirements/tests.txt'),
        mim=read_requirements('requirements/mminstall.txt')),
    zip_safe=False)
