// Copyright 2026 The graceful Authors.
//
// A list that only grows, newest first, whose elements never move. Readers
// walk it without locks while writers add to it: the forced exit reads the
// workers and hooks from the signal thread without taking any lock that a
// stuck thread could hold.

#ifndef GRACEFUL_LIB_INTERNAL_APPEND_ONLY_LIST_H_
#define GRACEFUL_LIB_INTERNAL_APPEND_ONLY_LIST_H_

#include <atomic>
#include <memory>
#include <utility>

namespace graceful {
namespace internal {

// Thread safety: Emplace() and ForEach() may run concurrently from any
// threads; ForEach() sees the elements added before it read the head.
template <typename T>
class AppendOnlyList {
  struct Node {
    T value;
    Node* next;
  };

 public:
  AppendOnlyList() = default;
  AppendOnlyList(const AppendOnlyList&) = delete;
  AppendOnlyList& operator=(const AppendOnlyList&) = delete;

  ~AppendOnlyList() {
    Node* node = head_.load(std::memory_order_acquire);
    while (node != nullptr) {
      Node* next = node->next;
      delete node;
      node = next;
    }
  }

  // An element made but not in the list yet, for when whether it belongs
  // there depends on a step that may fail. Its address never changes; one
  // never added is freed with this handle.
  class Unlisted {
   public:
    T& value() { return node_->value; }

   private:
    friend class AppendOnlyList;
    explicit Unlisted(Node* node) : node_(node) {}
    std::unique_ptr<Node> node_;
  };

  template <typename... Args>
  static Unlisted Make(Args&&... args) {
    return Unlisted(new Node{T(std::forward<Args>(args)...), nullptr});
  }

  template <typename... Args>
  T& Emplace(Args&&... args) {
    return Add(Make(std::forward<Args>(args)...));
  }

  T& Add(Unlisted element) {
    Node* node = element.node_.release();
    node->next = head_.load(std::memory_order_relaxed);
    // Release: a reader that loads the new head sees the constructed node.
    while (!head_.compare_exchange_weak(node->next, node,
                                        std::memory_order_release,
                                        std::memory_order_relaxed)) {
    }
    return node->value;
  }

  // Calls f(T&) for each listed element, newest first.
  template <typename F>
  void ForEach(F&& f) const {
    for (Node* node = head_.load(std::memory_order_acquire); node != nullptr;
         node = node->next) {
      f(node->value);
    }
  }

 private:
  std::atomic<Node*> head_{nullptr};
};

}  // namespace internal
}  // namespace graceful

#endif  // GRACEFUL_LIB_INTERNAL_APPEND_ONLY_LIST_H_
