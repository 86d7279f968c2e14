from .channels_last import ChannelsLastHook, to_channels_last
from .hooks import TransferMetaHook
from .memory_bank_hook import MemoryBankHook
from .model_wrappers import CPUDistributedDataParallel
from .monitors import CollapseMonitorHook, DenseProbeHook
from .pretrained import LoadPretrainedHook, load_pretrained
from .reliability import (NonFiniteLossError, NonFiniteLossHook,
                          ResumeStateHook, SafeCheckpointHook,
                          TrainingChecksHook)
from .optim_wrappers import CPUAmpOptimWrapper
from .optimizers import BarlowTwinsLARS
from .runner import Runner

__all__ = [
    'BarlowTwinsLARS', 'CPUAmpOptimWrapper', 'CPUDistributedDataParallel',
    'Runner',
    'TransferMetaHook', 'LoadPretrainedHook', 'load_pretrained',
    'CollapseMonitorHook', 'DenseProbeHook', 'MemoryBankHook',
    'ChannelsLastHook', 'to_channels_last', 'ResumeStateHook',
    'NonFiniteLossHook', 'NonFiniteLossError', 'TrainingChecksHook',
    'SafeCheckpointHook'
]
