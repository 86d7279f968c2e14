# The dense linear probe of a pre-trained FCN decoder (DeCon FCN: the
# decoder's convs on C5), otherwise as probe_r18-d16_synthetic-voc12aug.py.
# load_decoder=True: weights without a decoder are an error here, not a
# probe of random convs.
_base_ = './probe_r18-d16_synthetic-voc12aug.py'
load_decoder = True
probe = dict(level='decoder')
