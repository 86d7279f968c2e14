"""tools/model_converters/import_official.py in-process: each kind of file is
named with the tool to use, and an import says which tensors each source
maps to."""
import torch
from helpers import converter_tool, slotcon_obj

from mmdense.weights import export_weights


def test_importer_names_the_file_kind_and_the_right_tool(
        decon, tmp_path, capsys):
    """A detectron2 .pkl and an mmdense training checkpoint are named as
    such with the tool to use, never the --trust advice; an import prints
    which tensors each source maps to."""
    _, ckpt, _ = decon
    importer = converter_tool('import_official')
    d2 = str(tmp_path / 'decon_d2.pkl')
    export_weights(ckpt, d2, 'detectron2')
    assert importer.main([d2, str(tmp_path / 'a.pth')]) == 1
    err = capsys.readouterr().err
    assert 'is a detectron2 checkpoint' in err and 'MODEL.WEIGHTS' in err
    assert '--trust' not in err
    from mmengine.logging import HistoryBuffer
    train = str(tmp_path / 'iter_4.pth')
    torch.save(dict(ckpt, message_hub=HistoryBuffer()), train)
    assert importer.main([train, str(tmp_path / 'b.pth')]) == 1
    err = capsys.readouterr().err
    # a stock-mmengine pickle (or an mmdense one from before weights-only
    # checkpoints): named as such; exporting it needs --trust
    assert 'it was written by stock mmengine and pickles ' \
        'mmengine.logging.history_buffer.HistoryBuffer' in err
    assert f'export_weights.py {train} OUT' in err
    assert '\n' not in err.rstrip('\n')
    # a weights-only mmdense checkpoint: no import needed
    from mmdense.utils import save_checkpoint_file
    sealed = str(tmp_path / 'iter_5.pth')
    save_checkpoint_file(dict(ckpt, message_hub=dict(log_scalars={})), sealed)
    assert importer.main([sealed, str(tmp_path / 'b.pth')]) == 1
    err = capsys.readouterr().err
    assert f'{sealed} is already an mmdense checkpoint' in err
    assert f'export_weights.py {sealed} OUT' in err and '--trust' not in err
    obj, _, _ = slotcon_obj()
    src = str(tmp_path / 'slotcon.pth')
    torch.save(obj, src)
    assert importer.main([src, str(tmp_path / 'c.pth')]) == 0
    out = capsys.readouterr().out
    assert 'student: module.encoder_q.* -> backbone.* (' in out
    assert 'teacher: module.encoder_k.* -> teacher_backbone.* (' in out
