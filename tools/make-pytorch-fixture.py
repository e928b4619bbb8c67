#!/usr/bin/env python3
"""Writes tests/SpecTune.Runtime.Tests/TestData/pytorch/tiny_state_dict.pt with real PyTorch (torch.save, zip format).

The values are closed-form (no RNG) so the C# test can recompute them:
  module.conv1.weight = arange(4*3*3*3).reshape(4,3,3,3) / 100   (float32)
  module.conv1.bias   = [0.5, -0.5, 1.5, -1.5]                    (float32)
  module.bn1.running_mean = arange(4) * 0.25                      (float32)
  module.bn1.num_batches_tracked = 7                              (int64, 0-d)
  module.fc.weight = arange(2*4).reshape(2,4).double() - 3        (float64)
The "module." prefix is what nn.DataParallel leaves, so the test also exercises base.rename.
Run: apt-get install -y python3-torch && /usr/bin/python3 tools/make-pytorch-fixture.py  (CI never needs it.)
"""
import collections
import os
import torch

sd = collections.OrderedDict()
sd["module.conv1.weight"] = torch.arange(4 * 3 * 3 * 3, dtype=torch.float32).reshape(4, 3, 3, 3) / 100
sd["module.conv1.bias"] = torch.tensor([0.5, -0.5, 1.5, -1.5], dtype=torch.float32)
sd["module.bn1.running_mean"] = torch.arange(4, dtype=torch.float32) * 0.25
sd["module.bn1.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
sd["module.fc.weight"] = torch.arange(8, dtype=torch.float64).reshape(2, 4) - 3
out = os.path.join(os.path.dirname(__file__), "..", "tests", "SpecTune.Runtime.Tests", "TestData", "pytorch", "tiny_state_dict.pt")
torch.save(sd, out)
print("wrote", os.path.normpath(out), "torch", torch.__version__)
