#!/usr/bin/env python3
"""Writes tests/SpecTune.Runtime.Tests/TestData/pytorch/strided_state_dict.pt: tensors torch.load reads but that are
not plain contiguous storage (closed-form values, no RNG, so the C# test recomputes them):
  channels_last = arange(2*3*2*2).reshape(2,3,2,2).float() in channels_last memory format
  slice         = arange(20).float().reshape(4,5)[1:3, 1:4]      (a view with an offset into a bigger storage)
  transposed    = arange(6).float().reshape(2,3).t()             (strides (1, 3))
  every_other   = arange(10).float()[::2]                        (stride 2)
Run: apt-get install -y python3-torch && /usr/bin/python3 tools/make-pytorch-strided-fixture.py  (CI never needs it.)
"""
import collections
import os
import torch

sd = collections.OrderedDict()
sd["channels_last"] = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2).contiguous(memory_format=torch.channels_last)
sd["slice"] = torch.arange(20, dtype=torch.float32).reshape(4, 5)[1:3, 1:4]
sd["transposed"] = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()
sd["every_other"] = torch.arange(10, dtype=torch.float32)[::2]
out = os.path.join(os.path.dirname(__file__), "..", "tests", "SpecTune.Runtime.Tests", "TestData", "pytorch", "strided_state_dict.pt")
torch.save(sd, out)
print("wrote", os.path.normpath(out), "torch", torch.__version__)
