"""Stand-in for @rules_cc//cc:defs.bzl: the rules are Bazel's native ones.

Bazel 4.2.3 loads @rules_cc//cc:defs.bzl from its own @bazel_tools//tools/cpp
and would download rules_cc for it; Debian's bazel-rules-cc is too new for
4.2.3. BUILD files load the rules from here exactly as from upstream rules_cc.
"""

cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_proto_library = native.cc_proto_library
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
fdo_prefetch_hints = native.fdo_prefetch_hints
fdo_profile = native.fdo_profile
objc_import = native.objc_import
objc_library = native.objc_library
