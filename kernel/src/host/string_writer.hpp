#pragma once
// An as_writer that appends into a std::string owned by the kernel.
#include <agentsys/abi.h>

#include <string>

namespace agentsys {

class StringWriter {
 public:
  StringWriter() : writer_{sizeof(as_writer), &text_, &append} {}
  StringWriter(const StringWriter&) = delete;
  StringWriter& operator=(const StringWriter&) = delete;

  as_writer* get() { return &writer_; }
  [[nodiscard]] const std::string& str() const { return text_; }
  std::string take() { return std::move(text_); }

 private:
  static void append(void* ctx, const char* ptr, size_t len) {
    static_cast<std::string*>(ctx)->append(ptr, len);
  }
  std::string text_;
  as_writer writer_;
};

}  // namespace agentsys
