// Copyright 2026 The graceful Authors.
//
// The forced exit's wait for open sections is tested end to end in
// runtime_signals_test.cc (OpenCriticalSectionHoldsForcedExitBack).

#include "graceful/critical_section.h"

#include <optional>

#include "gtest/gtest.h"

namespace graceful {
namespace {

TEST(CriticalSectionTest, CountsOpenSectionsAndNests) {
  const int before = CriticalSection::OpenCount();
  {
    CriticalSection outer;
    EXPECT_EQ(CriticalSection::OpenCount(), before + 1);
    {
      CriticalSection inner;
      EXPECT_EQ(CriticalSection::OpenCount(), before + 2);
    }
    EXPECT_EQ(CriticalSection::OpenCount(), before + 1);
  }
  EXPECT_EQ(CriticalSection::OpenCount(), before);
}

}  // namespace
}  // namespace graceful
