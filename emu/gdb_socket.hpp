// The TCP end of the gdb stub (emu/gdb_stub.hpp): listen on 127.0.0.1:PORT, accept one gdb, and
// carry bytes with POSIX sockets. Only `run --gdb` uses it; the stub's tests use scripted bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "emu/gdb_stub.hpp"

namespace fs::gdb {

// A listening socket that cannot be had (port in use, no permission): one line for the user.
struct SocketError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SocketTransport : public Transport {
 public:
  explicit SocketTransport(int fd) : fd_(fd) {}
  ~SocketTransport() override;
  SocketTransport(const SocketTransport&) = delete;
  SocketTransport& operator=(const SocketTransport&) = delete;

  std::optional<std::uint8_t> read() override;
  bool readable() override;
  void write(std::string_view bytes) override;
  // Shuts the sending side and reads what gdb still sends (its last ack) until it closes, for at
  // most `timeout_ms` of host time: closing with unread bytes would reset the connection and could
  // lose the last packet. Only after the run (the emulated path never waits on host time).
  void close_gracefully(int timeout_ms);

 private:
  bool fill(bool wait);  // false once the connection is closed
  int fd_;
  bool closed_ = false;
  std::vector<std::uint8_t> buf_;
  std::size_t pos_ = 0;
};

class Listener {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port the kernel picks). Throws SocketError.
  explicit Listener(std::uint16_t port);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  std::uint16_t port() const { return port_; }
  // Waits for gdb to connect; the listening socket is closed after (one gdb per run).
  std::unique_ptr<SocketTransport> accept();

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace fs::gdb
