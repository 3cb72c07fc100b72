// Copyright 2026 The graceful Authors.

#include "graceful/stop_token.h"

#include <utility>

#include "absl/time/clock.h"
#include "lib/internal/futex.h"
#include "lib/internal/stop_state.h"

namespace graceful {
namespace internal {
namespace {

void InvokeCatchingExceptions(absl::AnyInvocable<void()>& callback) {
  try {
    callback();
  } catch (...) {
    // Documented: exceptions from stop callbacks are discarded.
  }
}

}  // namespace

StopState* StopState::NeverStopped() {
  static StopState* const state = new StopState();
  return state;
}

bool StopState::SetStopped() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (flag_.load(std::memory_order_relaxed) != 0) return false;
    flag_.store(1, std::memory_order_release);
  }
  FutexWakeAll(&flag_);
  return true;
}

void StopState::RunCallbacks() {
  std::unique_lock<std::mutex> lock(mu_);
  while (head_ != nullptr) {
    StopCallback* callback = head_;
    head_ = callback->next_;
    if (head_ != nullptr) head_->prev_ = nullptr;
    callback->linked_ = false;
    running_ = callback;
    running_thread_ = std::this_thread::get_id();
    lock.unlock();
    // TRICKY: the callback may destroy its own StopCallback; `callback` is
    // not touched after this call.
    InvokeCatchingExceptions(callback->callback_);
    lock.lock();
    running_ = nullptr;
    callback_returned_.notify_all();
  }
}

bool StopState::SleepUntil(absl::Time deadline) const {
  for (;;) {
    if (stop_requested()) return false;
    if (absl::Now() >= deadline) return true;
    FutexWaitUntilWallTime(&flag_, 0, deadline);
  }
}

bool StopState::SleepFor(absl::Duration duration) const {
  const MonotonicTime deadline = MonotonicTime::Now() + duration;
  for (;;) {
    if (stop_requested()) return false;
    if (MonotonicTime::Now() >= deadline) return true;
    FutexWaitUntil(&flag_, 0, deadline);
  }
}

void StopState::Register(StopCallback* callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (flag_.load(std::memory_order_relaxed) == 0) {
      callback->next_ = head_;
      if (head_ != nullptr) head_->prev_ = callback;
      head_ = callback;
      callback->linked_ = true;
      return;
    }
  }
  InvokeCatchingExceptions(callback->callback_);
}

void StopState::Unregister(StopCallback* callback) {
  std::unique_lock<std::mutex> lock(mu_);
  if (callback->linked_) {
    if (callback->prev_ != nullptr) callback->prev_->next_ = callback->next_;
    if (callback->next_ != nullptr) callback->next_->prev_ = callback->prev_;
    if (head_ == callback) head_ = callback->next_;
    callback->linked_ = false;
    return;
  }
  // Running in another thread: wait for it. Running in this thread (the
  // callback destroys itself): return, RunCallbacks() won't touch it again.
  if (running_ == callback && running_thread_ == std::this_thread::get_id()) {
    return;
  }
  callback_returned_.wait(lock, [&] { return running_ != callback; });
}

}  // namespace internal

StopToken::StopToken() noexcept
    : StopToken(internal::StopState::NeverStopped()) {}

StopToken::StopToken(internal::StopState* state) noexcept
    : flag_(state->flag()), state_(state) {}

bool StopToken::SleepUntil(absl::Time deadline) const {
  return state_->SleepUntil(deadline);
}

bool StopToken::SleepFor(absl::Duration duration) const {
  return state_->SleepFor(duration);
}

StopSource::StopSource() : token_(new internal::StopState()) {}

StopSource::~StopSource() { delete token_.state_; }

bool StopSource::RequestStop() {
  if (!token_.state_->SetStopped()) return false;
  token_.state_->RunCallbacks();
  return true;
}

StopCallback::StopCallback(const StopToken& token,
                           absl::AnyInvocable<void()> callback)
    : state_(token.state_), callback_(std::move(callback)) {
  state_->Register(this);
}

StopCallback::~StopCallback() { state_->Unregister(this); }

}  // namespace graceful
