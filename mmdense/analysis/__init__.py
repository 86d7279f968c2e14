"""Analysis library on top of mmdense (beside ``tools/``): the pre-training
speed / multiply-add benchmark behind
``tools/analysis_tools/benchmark_pretrain.py``."""
from .macs import PartMacCounter, count_macs, model_parts
from .pretrain_speed import (PEERS, build_loader, build_model,
                             build_optim_wrapper, compile_backbones,
                             device_aug_batch, load_config, peak_memory_mib,
                             resolve_config_path, run_config_subprocess,
                             run_single, single_main, synthetic_batch,
                             time_loader, time_train_steps)
from .report import (add_ratios, data_table, mac_table, machine_info,
                     print_report, ratio_table, speed_table)

__all__ = [
    'PartMacCounter', 'count_macs', 'model_parts', 'PEERS', 'build_loader',
    'build_model', 'build_optim_wrapper', 'compile_backbones',
    'device_aug_batch', 'load_config', 'peak_memory_mib',
    'resolve_config_path', 'run_config_subprocess', 'run_single',
    'single_main', 'synthetic_batch', 'time_loader', 'time_train_steps',
    'add_ratios', 'data_table', 'mac_table', 'machine_info', 'print_report',
    'ratio_table', 'speed_table'
]
