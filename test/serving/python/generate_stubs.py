"""Generates grpcio stubs for every file of a descriptor set built by `buf build`.

Usage: generate_stubs.py DESCRIPTOR_SET OUT_DIR

Why a descriptor set rather than the .proto files: Debian's python3-grpc-tools (1.14) bundles protoc
3.5, which cannot parse proto3 `optional` fields. Given the descriptors buf already compiled, protoc only
generates code, which any grpc_tools version does correctly.
"""
import os
import sys

from google.protobuf import descriptor_pb2
from grpc_tools import protoc

descriptor_set, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
with open(descriptor_set, "rb") as f:
    files = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file
# The well-known types (google/protobuf/*) come with the protobuf runtime.
names = [f.name for f in files if not f.name.startswith("google/protobuf/")]
sys.exit(
    protoc.main(
        ["protoc", "--descriptor_set_in=" + descriptor_set, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir]
        + names
    )
)
