"""Collecting fine-tuning metrics into the transfer results table."""
import csv
import json
import math
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List

# the headline metrics of each benchmark family, in table order
HEADLINE = ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/segm_mAP',
            'pascal_voc/mAP', 'pascal_voc/AP50', 'pascal_voc/AP75', 'mIoU')


def last_metrics(work_dir: str) -> Dict[str, float]:
    """The last evaluation of an mmengine run: the newest ``scalars.json``
    line (LocalVisBackend) that holds one of the headline metrics."""
    found = {}
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files:
            with open(osp.join(root, 'scalars.json')) as f:
                for line in f:
                    entry = json.loads(line)
                    if any(k in entry for k in HEADLINE):
                        found = entry
    metrics = {
        k: float(v)
        for k, v in found.items()
        if k in HEADLINE or '/' in k and not k.startswith('train')
    }
    for key in ('step', 'time', 'data_time'):
        metrics.pop(key, None)
    return metrics


def _mean_std(values: List[float]):
    """Mean and sample std; the std of one value is undefined (None)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    var = sum((v - mean)**2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


def aggregate(runs: List[dict]) -> List[dict]:
    """Rows (name, benchmark, metric, mean, std, n, seeds, weights) over
    seeds; ``std`` is None for one seed, ``weights`` lists the files (and
    their sha256) the runs of the row were fine-tuned from."""
    groups = defaultdict(list)
    for run in runs:
        for metric, value in run['metrics'].items():
            if metric in HEADLINE:
                groups[(run['name'], run['benchmark'], metric)].append(
                    (run['seed'], value, weights_label(run)))
    rows = []
    for (name, bench, metric), seeded in sorted(groups.items()):
        mean, std = _mean_std([v for _, v, _ in seeded])
        rows.append(
            dict(
                name=name,
                benchmark=bench,
                metric=metric,
                mean=mean,
                std=std,
                n=len(seeded),
                seeds=sorted(s for s, _, _ in seeded),
                weights=sorted({w
                                for _, _, w in seeded})))
    return rows


def weights_label(run: dict) -> str:
    """``file (sha256 prefix)`` of a run's weights, or ``random init``."""
    if not run.get('weights'):
        return 'random init'
    digest = run.get('weights_sha256')
    return f"{run['weights']} (sha256 {digest[:12]})" if digest else \
        run['weights']


def _row_names(rows: List[dict]) -> List[str]:
    """Random init first, then positive controls (names with "control"),
    then the rest alphabetically: the references before the methods."""

    def order(name):
        rank = 0 if name.startswith('random') else 1 if 'control' in name \
            else 2
        return rank, name

    return sorted({r['name'] for r in rows}, key=order)


def _columns(rows: List[dict]) -> List[tuple]:
    cols = {(r['benchmark'], r['metric']) for r in rows}
    return sorted(cols, key=lambda c: (c[0], HEADLINE.index(c[1])))


def markdown_table(rows: List[dict]) -> str:
    cols = _columns(rows)
    cell = {(r['name'], r['benchmark'], r['metric']): r for r in rows}
    names = _row_names(rows)
    head = '| weights | ' + ' | '.join(f'{b}<br>{m}' for b, m in cols) + ' |'
    lines = [head, '|---' * (len(cols) + 1) + '|']
    for name in names:
        vals = []
        for b, m in cols:
            r = cell.get((name, b, m))
            if r is None:
                vals.append('-')
            elif r['n'] > 1:
                vals.append(f"{r['mean']:.4g} ± {r['std']:.2g} (n={r['n']})")
            else:
                vals.append(f"{r['mean']:.4g} (n=1)")
        lines.append(f'| {name} | ' + ' | '.join(vals) + ' |')
    sources = {}
    for r in rows:
        sources.setdefault((r['name'], r['benchmark']), r['weights'])
    lines += ['', 'Weights behind each cell:']
    lines += [
        f'- {name} / {bench}: ' + '; '.join(files)
        for (name, bench), files in sorted(sources.items())
    ]
    return '\n'.join(lines) + '\n'


def write_results(rows: List[dict], runs: List[dict], out_dir: str) -> dict:
    """results.md / .csv / .json and a bar chart (results.png)."""
    paths = {
        ext: osp.join(out_dir, f'results.{ext}')
        for ext in ('md', 'csv', 'json', 'png')
    }
    with open(paths['md'], 'w') as f:
        f.write('# Transfer results\n\nMean ± sample std over seeds; a '
                'single seed shows its value alone (n=1: no spread to '
                'show).\n\n')
        f.write(markdown_table(rows))
    with open(paths['csv'], 'w', newline='') as f:
        writer = csv.DictWriter(
            f,
            fieldnames=[
                'name', 'benchmark', 'metric', 'mean', 'std', 'n', 'seeds',
                'weights'
            ])
        writer.writeheader()
        for r in rows:  # std left empty for one seed
            writer.writerow(
                dict(
                    r,
                    std='' if r['std'] is None else r['std'],
                    seeds=' '.join(map(str, r['seeds'])),
                    weights='; '.join(r['weights'])))
    with open(paths['json'], 'w') as f:
        json.dump(dict(summary=rows, runs=runs), f, indent=1)
    _bar_chart(rows, paths['png'])
    return paths


def _bar_chart(rows: List[dict], path: str) -> None:
    """One panel per (benchmark, metric), each with its own scale (mIoU is
    in percent, AP in [0, 1]); a bar per weights name, the sample std as
    error bar where there are two seeds or more (none for one seed)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cols = _columns(rows)
    names = _row_names(rows)
    cell = {(r['name'], r['benchmark'], r['metric']): r for r in rows}
    fig, axes = plt.subplots(
        1, len(cols), figsize=(2.6 * len(cols) + 1, 3.4), squeeze=False)
    for ax, (bench, metric) in zip(axes[0], cols):
        found = [(i, cell[(n, bench, metric)]) for i, n in enumerate(names)
                 if (n, bench, metric) in cell]
        ax.bar([i for i, _ in found], [r['mean'] for _, r in found],
               color=[f'C{i}' for i, _ in found])
        spread = [(i, r) for i, r in found if r['std'] is not None]
        if spread:
            ax.errorbar([i for i, _ in spread], [r['mean'] for _, r in spread],
                        yerr=[r['std'] for _, r in spread],
                        fmt='none',
                        ecolor='black',
                        capsize=3)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha='right', fontsize=8)
        ax.set_title(f'{bench}\n{metric}', fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
