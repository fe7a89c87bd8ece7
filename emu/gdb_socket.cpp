#include "emu/gdb_socket.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fs::gdb {

SocketTransport::~SocketTransport() {
  if (fd_ >= 0) ::close(fd_);
}

bool SocketTransport::fill(bool wait) {
  if (closed_) return false;
  if (pos_ < buf_.size()) return true;
  if (!wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return true;  // nothing yet (not closed either)
  }
  std::uint8_t tmp[4096];
  ssize_t n;
  do {
    n = ::recv(fd_, tmp, sizeof tmp, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buf_.assign(tmp, tmp + n);
  pos_ = 0;
  return true;
}

std::optional<std::uint8_t> SocketTransport::read() {
  if (!fill(true)) return std::nullopt;
  return buf_[pos_++];
}

bool SocketTransport::readable() {
  return !fill(false) || pos_ < buf_.size();
}

void SocketTransport::write(std::string_view bytes) {
  while (!bytes.empty() && !closed_) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;  // gdb has gone; the next read says so
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void SocketTransport::close_gracefully(int timeout_ms) {
  if (fd_ < 0) return;
  if (!closed_) {
    ::shutdown(fd_, SHUT_WR);
    pollfd p{fd_, POLLIN, 0};
    std::uint8_t tmp[256];
    while (::poll(&p, 1, timeout_ms) > 0 && ::recv(fd_, tmp, sizeof tmp, 0) > 0) {
    }
  }
  ::close(fd_);
  fd_ = -1;
  closed_ = true;
}

Listener::Listener(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw SocketError(fmt::format("cannot create a socket: {}", std::strerror(errno)));
  const int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || ::listen(fd_, 1) < 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw SocketError(
        fmt::format("cannot listen for gdb on 127.0.0.1:{}: {}", port, std::strerror(err)));
  }
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
}

Listener::~Listener() {
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<SocketTransport> Listener::accept() {
  int c;
  do {
    c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  } while (c < 0 && errno == EINTR);
  if (c < 0) throw SocketError(fmt::format("cannot accept gdb: {}", std::strerror(errno)));
  ::close(fd_);
  fd_ = -1;
  // Packets are small and answered one by one: send each at once.
  const int one = 1;
  ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::make_unique<SocketTransport>(c);
}

}  // namespace fs::gdb
