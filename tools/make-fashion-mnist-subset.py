#!/usr/bin/env python3
"""Cuts the Fashion-MNIST subsets shipped in examples/data/fashion-mnist from Debian's
`dataset-fashion-mnist` package (apt-get install dataset-fashion-mnist).

Deterministic: the first N images of each class, in file order. Labels keep Fashion-MNIST's numbering
(0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot).

  pretrain   : train set, classes 1,2,3,4,5,7,8,9, 600 each  (the base network's pretraining task)
  shirts-train: train set, classes 0 and 6, 150 each         (the fine-tuning task: T-shirt/top vs Shirt)
  shirts-valid: t10k set,  classes 0 and 6, 500 each
"""
import gzip, struct, sys, os

SRC = "/usr/share/datasets/fashion-mnist"
DST = os.path.join(os.path.dirname(__file__), "..", "examples", "data", "fashion-mnist")

def read(prefix):
    with gzip.open(f"{SRC}/{prefix}-images-idx3-ubyte.gz") as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16)); assert magic == 2051
        images = f.read(n * h * w)
    with gzip.open(f"{SRC}/{prefix}-labels-idx1-ubyte.gz") as f:
        magic, m = struct.unpack(">II", f.read(8)); assert magic == 2049 and m == n
        labels = f.read(m)
    return images, labels, h, w

def write(name, images, labels, classes, per_class, h, w):
    size = h * w
    taken = {c: 0 for c in classes}
    out_images, out_labels = bytearray(), bytearray()
    for i, label in enumerate(labels):
        if label in taken and taken[label] < per_class:
            taken[label] += 1
            out_images += images[i * size:(i + 1) * size]
            out_labels.append(label)
    n = len(out_labels)
    assert all(v == per_class for v in taken.values()), taken
    # mtime=0 keeps the gzip bytes reproducible
    with gzip.GzipFile(f"{DST}/{name}-images-idx3-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">IIII", 2051, n, h, w) + bytes(out_images))
    with gzip.GzipFile(f"{DST}/{name}-labels-idx1-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">II", 2049, n) + bytes(out_labels))
    print(f"{name}: {n} images of classes {sorted(classes)}")

os.makedirs(DST, exist_ok=True)
train = read("train"); test = read("t10k")
write("pretrain", train[0], train[1], {1, 2, 3, 4, 5, 7, 8, 9}, 600, train[2], train[3])
write("shirts-train", train[0], train[1], {0, 6}, 150, train[2], train[3])
write("shirts-valid", test[0], test[1], {0, 6}, 500, test[2], test[3])
