// The target that builds tests/support/test_pch.hpp for every test to reuse.
