// Copyright 2026 The graceful Authors.
//
// -----------------------------------------------------------------------------
// File: graceful.h
// -----------------------------------------------------------------------------
//
// Umbrella header: everything an application needs to stop cleanly on
// SIGTERM / SIGINT. See runtime.h for the model and the shutdown sequence.

#ifndef GRACEFUL_GRACEFUL_H_
#define GRACEFUL_GRACEFUL_H_

#include "graceful/critical_section.h"
#include "graceful/runtime.h"
#include "graceful/runtime_options.h"
#include "graceful/shutdown_report.h"
#include "graceful/spawn.h"
#include "graceful/stop_token.h"

#endif  // GRACEFUL_GRACEFUL_H_
