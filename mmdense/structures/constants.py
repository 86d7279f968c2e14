"""Constants shared by the data pipelines and the models."""

# RelativePatchPair's label for a second patch taken from another image
# (the NSP-style ``adjacent`` task); ContextPrediction swaps those pairs in.
OTHER_IMAGE = -1

# CaptionTokenizer's special tokens, in vocabulary order: their ids are
# PAD, UNK, SOT and EOT; the text encoder pools at the EOT token.
SPECIALS = ('<pad>', '<unk>', '<sot>', '<eot>')
PAD, UNK, SOT, EOT = range(4)
