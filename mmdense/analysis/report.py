"""Ratios to the first config, the printed tables (speed, data loading,
MACs, ratios) and the machine description of a pre-training benchmark."""
import os
import platform
from typing import List

import torch


# --------------------------------------------------------------- ratios
def add_ratios(results: List[dict]) -> None:
    """Time and MAC ratios of every config to the first, in place."""
    base = results[0]
    for r in results:
        if not (r.get('ok') and base.get('ok')):
            continue
        tr = r['s_per_iter'] / base['s_per_iter']
        if r.get('data_only') or base.get('data_only'):
            r['time_ratio'] = tr
            continue
        mr = r['total_gmac_per_image'] / base['total_gmac_per_image']
        r['time_ratio'], r['mac_ratio'] = tr, mr
        r['cpu_time_ratio'] = r['cpu_s_per_iter'] / base['cpu_s_per_iter'] \
            if base.get('cpu_s_per_iter') else None
        r['efficiency'] = tr / mr
        # extra time over the base vs what the extra MACs cost at its rate
        r['extra_time_factor'] = (tr - 1) / (mr - 1) if abs(mr - 1) > 1e-3 \
            else None
        ctr = r['cpu_time_ratio']
        r['extra_cpu_time_factor'] = (ctr - 1) / (mr - 1) if ctr is not None \
            and abs(mr - 1) > 1e-3 else None


# ---------------------------------------------------------------- tables
def _table(header: List[str], rows: List[List[str]]) -> str:
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join('---' for _ in header) + '|'
    ]
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def _fmt(value, spec: str = '.2f') -> str:
    return '-' if value is None else format(value, spec)


def speed_table(results: List[dict]) -> str:
    rows = []
    for r in results:
        if not r.get('ok'):
            rows.append([r['config'], 'FAILED: ' + r.get('error', '')] +
                        ['-'] * 7)
            continue
        rows.append([
            r['config'], r['model'],
            _fmt(r['s_per_iter'], '.3f'),
            _fmt(r['images_per_s'], '.2f'),
            _fmt(r['peak_mem_mib'], '.0f'),
            _fmt(r.get('data_wait_fraction'), '.2f'),
            _fmt(r.get('time_ratio')),
            _fmt(r.get('cpu_s_per_iter'), '.2f'),
            _fmt(r.get('cpu_time_ratio')),
            '{:.1f} / {:.1f}'.format(*r['load_avg'])
        ])
    return _table([
        'config', 'model', 's/iter (median)', 'images/s', 'peak MiB',
        'data wait', 'time ratio', 'CPU s/iter', 'CPU-time ratio',
        'load avg before / after'
    ], rows)


def data_table(results: List[dict]) -> str:
    rows = [[
        r['config'],
        str(r['workers']),
        _fmt(r['s_per_iter'], '.3f'),
        _fmt(r['images_per_s'], '.1f'),
        _fmt(r['images_per_s_per_worker'], '.1f'), '{:.1f} / {:.1f}'.format(
            *r['load_avg'])
    ] if r.get('ok') else [r['config'], 'FAILED'] + ['-'] * 4 for r in results]
    return _table([
        'config', 'workers', 's/batch (median)', 'images/s',
        'images/s per worker', 'load avg before / after'
    ], rows)


def mac_table(results: List[dict]) -> str:
    parts = []
    for r in results:
        for k in r.get('gmac_per_image', {}):
            if k not in parts and k != 'other':
                parts.append(k)
    parts.append('other')
    rows = [[r['config']] + [
        _fmt(r['gmac_per_image'].get(p), '.3f')
        if p in r['gmac_per_image'] else '-' for p in parts
    ] + [_fmt(r['total_gmac_per_image'], '.3f')] for r in results
            if r.get('ok')]
    return _table(['config'] + parts + ['total'], rows)


def ratio_table(results: List[dict]) -> str:
    rows = []
    for r in results[1:]:
        if 'time_ratio' not in r:
            continue
        factor = r['extra_time_factor']
        cpu_factor = r.get('extra_cpu_time_factor')
        rows.append([
            r['config'],
            _fmt(r['time_ratio'], '.3f'),
            _fmt(r['mac_ratio'], '.3f'),
            _fmt(r['efficiency'], '.3f'),
            _fmt(factor), '-' if factor is None else
            ('yes' if r['time_ratio'] <= 1 or factor <= 1.2 else 'no'),
            _fmt(r.get('cpu_time_ratio'), '.3f'),
            _fmt(cpu_factor)
        ])
    return _table([
        'config', 'time ratio', 'MAC ratio', 'efficiency (time/MAC)',
        'extra time / extra MACs', 'within 1.2x', 'CPU-time ratio',
        'extra CPU time / extra MACs'
    ], rows)


def print_report(results: List[dict], settings: dict) -> None:
    if settings.get('data_only'):
        print(f"\ndata loading only, batch {settings['batch']}, "
              f"{settings['iters']} timed + {settings['warmup']} warm-up "
              'batches\n')
        print(data_table(results))
        return
    print(f"\nbatch {settings['batch']}, {settings['size']} px, "
          f"{settings['iters']} timed + {settings['warmup']} warm-up "
          f"iterations, {settings['device']}, amp {settings['amp']}, "
          f"channels_last {settings.get('channels_last', False)}, "
          f"compile {settings.get('compile', False)}, data "
          f"{settings.get('data', 'synthetic')}, "
          f"{settings['threads']} threads\n")
    print(speed_table(results))
    print('\nGMAC per image (one forward pass, student + teacher):\n')
    print(mac_table(results))
    if len(results) > 1:
        print(f"\nratios to {results[0]['config']}:\n")
        print(ratio_table(results))


# --------------------------------------------------------------- machine
def machine_info(device: str) -> dict:
    info = dict(
        python=platform.python_version(),
        torch=torch.__version__,
        cpu=platform.processor() or platform.machine(),
        cpu_count=os.cpu_count())
    if device == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(0)
    return info
