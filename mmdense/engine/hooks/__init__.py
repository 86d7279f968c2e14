from .channels_last_hook import ChannelsLastHook, to_channels_last
from .collapse_monitor_hook import CollapseMonitorHook
from .dense_probe_hook import DenseProbeHook
from .det_precise_bn_hook import DetPreciseBNHook
from .load_pretrained_hook import LoadPretrainedHook
from .memory_bank_hook import MemoryBankHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .resume_state_hook import ResumeStateHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .training_checks_hook import TrainingChecksHook
from .transfer_meta_hook import TransferMetaHook

__all__ = [
    'LoadPretrainedHook', 'TransferMetaHook', 'ChannelsLastHook',
    'to_channels_last', 'CollapseMonitorHook', 'DenseProbeHook',
    'DetPreciseBNHook', 'MemoryBankHook', 'NonFiniteLossError',
    'NonFiniteLossHook', 'ResumeStateHook', 'SafeCheckpointHook',
    'TrainingChecksHook'
]
