# Runtime of the CPU demos: default_runtime.py with the demo training
# signals (demo_signals.py), a log line every 5 iterations, a checkpoint
# every 10 (the last 2 kept) and `custom_hooks = demo_custom_hooks`.
# Demos inherit this instead of default_runtime.py + demo_signals.py; a
# demo that needs other hooks sets its own `custom_hooks` from
# `_base_.demo_custom_hooks`.
_base_ = ['./default_runtime.py', './demo_signals.py']
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=10, max_keep_ckpts=2))
custom_hooks = _base_.demo_custom_hooks
