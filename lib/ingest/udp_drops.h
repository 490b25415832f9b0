// Datagrams the kernel dropped on hokand's UDP sockets before hokand read them (a full
// receive buffer): the "drops" column of /proc/net/udp and /proc/net/udp6, matched by
// socket inode. Linux only; 0 where /proc says nothing. Thread-safe (reads files).
#pragma once

#include <cstdint>
#include <vector>

namespace hokan::ingest {

// The inode of a socket descriptor (what /proc/net/udp names sockets by); 0 on error.
unsigned long socket_inode(int fd);

uint64_t kernel_udp_drops(const std::vector<unsigned long>& inodes);

}  // namespace hokan::ingest
