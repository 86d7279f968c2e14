# Runtime of the full-size pre-training configs: default_runtime.py with a
# checkpoint every 10 epochs, the last 3 kept.
_base_ = ['./default_runtime.py']
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
