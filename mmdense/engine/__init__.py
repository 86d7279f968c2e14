from mmdense.weights import load_pretrained
from .build import build_runner
from .hooks import (ChannelsLastHook, CollapseMonitorHook, DenseProbeHook,
                    LoadPretrainedHook, MemoryBankHook, NonFiniteLossError,
                    NonFiniteLossHook, ResumeStateHook, SafeCheckpointHook,
                    TrainingChecksHook, TransferMetaHook, to_channels_last)
from .model_wrappers import CPUDistributedDataParallel
from .optim_wrappers import CPUAmpOptimWrapper
from .optimizers import BarlowTwinsLARS
from .runner import Runner

__all__ = [
    'BarlowTwinsLARS', 'CPUAmpOptimWrapper', 'CPUDistributedDataParallel',
    'Runner', 'build_runner', 'TransferMetaHook', 'LoadPretrainedHook',
    'load_pretrained', 'CollapseMonitorHook', 'DenseProbeHook',
    'MemoryBankHook', 'ChannelsLastHook', 'to_channels_last',
    'ResumeStateHook', 'NonFiniteLossHook', 'NonFiniteLossError',
    'TrainingChecksHook', 'SafeCheckpointHook'
]
