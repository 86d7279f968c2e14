"""COCO-style captions of the synthetic scenes (five per image).

The captions describe what the generator drew: every *annotated* object's
class, the colour name of its visible pixels and its position in the image
(from the center of its box, in thirds: ``top / middle / bottom`` x
``left / centre / right``; 'centre' is a word of the captions' vocabulary,
kept as generated).  They are a pure function of
``(seed, split, index, image_size)``, like the scenes: the wording of the
five captions is drawn from a generator of its own, so the images do not
change.

Five captions per image, as in ``captions_train2017.json``:

0. every annotated object in painting order with colour and position
   (``"a red car on the left and a blue dog at the bottom right."``),
1. the class counts (``"a street scene with two cars and a dog."``),
2. the largest object, its colour and position,
3. every object's colour and class in a random order, no positions,
4. one random object with colour and position
   (``"a green bottle at the top left of the picture."``).

An image whose objects are all too small to be annotated gets captions of
the background only.
"""
import colorsys
from typing import List, Sequence, Tuple

CAPTIONS_PER_IMAGE = 5
CAPTION_STREAM = 1  # scene_rng(seed, split, index, CAPTION_STREAM)
NUMBERS = ('no', 'one', 'two', 'three', 'four', 'five', 'six')
PLURALS = dict(person='people')


def colour_name(rgb: Sequence[float]) -> str:
    """A basic colour name of an RGB triple (0..255): black / gray / white
    when unsaturated, else one of eight hue names."""
    h, s, v = colorsys.rgb_to_hsv(*(float(c) / 255 for c in rgb))
    if v < 0.2:
        return 'black'
    if s < 0.25:
        return 'white' if v > 0.8 else 'gray'
    hue = h * 360
    for limit, name in ((15, 'red'), (40, 'orange'), (70, 'yellow'),
                        (160, 'green'), (200, 'cyan'), (260, 'blue'),
                        (300, 'purple'), (340, 'pink'), (361, 'red')):
        if hue < limit:
            return name
    raise AssertionError(hue)


def position_name(bbox: Sequence[float], width: int, height: int) -> str:
    """``'at the top left'``, ``'on the left'``, ``'in the centre'``... of
    a box ``(x0, y0, x1, y1)`` from its center, in thirds of the image."""
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    col = ('left', 'centre', 'right')[min(int(3 * cx / width), 2)]
    row = ('top', 'middle', 'bottom')[min(int(3 * cy / height), 2)]
    if row == 'middle':
        return 'in the centre' if col == 'centre' else f'on the {col}'
    return f'at the {row}' if col == 'centre' else f'at the {row} {col}'


def _article(word: str) -> str:
    return 'an' if word[0] in 'aeiou' else 'a'


def _plural(name: str, count: int) -> str:
    if count == 1:
        return f'{_article(name)} {name}'
    return f'{NUMBERS[min(count, 6)]} {PLURALS.get(name, name + "s")}'


def _join(parts: List[str]) -> str:
    return parts[0] if len(parts) == 1 else \
        ', '.join(parts[:-1]) + ' and ' + parts[-1]


def describe_objects(
        scene, class_names: Sequence[str]) -> List[Tuple[str, str, str, int]]:
    """(class name, colour name, position, visible area) of every
    annotated instance, in painting order."""
    height, width = scene.semantic.shape
    out = []
    for inst in scene.instances:
        colour = colour_name(scene.image[inst.mask].mean(axis=0))
        out.append((class_names[inst.label], colour,
                    position_name(inst.bbox, width, height), inst.area))
    return out


def scene_captions(scene, rng, class_names: Sequence[str]) -> List[str]:
    """The :data:`CAPTIONS_PER_IMAGE` captions of ``scene`` (see the module
    docstring); ``rng`` (a ``np.random.Generator``) picks the wording."""
    objects = describe_objects(scene, class_names)
    scene_word = ('street scene', 'picture', 'image',
                  'scene')[int(rng.integers(4))]
    if not objects:
        return [f'an empty {scene_word} with buildings under the sky.'
                ] * CAPTIONS_PER_IMAGE
    phrases = [f'{_article(c)} {c} {n} {p}' for n, c, p, _ in objects]
    counts = {}
    for name, *_ in objects:
        counts[name] = counts.get(name, 0) + 1
    largest = max(objects, key=lambda o: o[3])
    shuffled = [objects[i] for i in rng.permutation(len(objects))]
    one = objects[int(rng.integers(len(objects)))]
    return [
        _join(phrases) + '.',
        f'{_article(scene_word)} {scene_word} with '
        f'{_join([_plural(n, k) for n, k in counts.items()])}.',
        f'a large {largest[1]} {largest[0]} {largest[2]} of the {scene_word}.',
        _join([f'{_article(c)} {c} {n}' for n, c, _, _ in shuffled]) + '.',
        f'{_article(one[1])} {one[1]} {one[0]} {one[2]} of the picture.',
    ]
