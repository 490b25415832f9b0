#include "runtime/metrics.h"

#include "remote/shipper.h"

#include <cstdio>

namespace hokan::runtime {
namespace {

void metric(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += " ";
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " ";
  out += type;
  out += "\n";
}

void sample(std::string& out, const std::string& name, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " %.17g\n", value);
  out += name;
  out += buf;
}

}  // namespace

std::string render_metrics(const MetricSources& s) {
  std::string out;
  const auto& l = *s.listeners;
  metric(out, "hokan_records_received_total", "counter", "Syslog messages received, per listener kind.");
  sample(out, "hokan_records_received_total{listener=\"syslog\"}", l.received.load());
  metric(out, "hokan_bytes_received_total", "counter", "Syslog bytes received.");
  sample(out, "hokan_bytes_received_total{listener=\"syslog\"}", l.received_bytes.load());
  metric(out, "hokan_malformed_total", "counter", "Messages stored raw because they did not parse.");
  sample(out, "hokan_malformed_total", l.malformed.load());
  metric(out, "hokan_truncated_total", "counter", "Messages cut at max_message_bytes.");
  sample(out, "hokan_truncated_total", l.truncated.load());
  metric(out, "hokan_udp_drops_total", "counter",
         "UDP datagrams lost: reason=\"queue\" when the writer was full or the disk full, reason=\"kernel\" when "
         "the socket's receive buffer overflowed before hokand read them.");
  sample(out, "hokan_udp_drops_total{reason=\"queue\"}", l.udp_drops.load());
  if (s.listener_set) sample(out, "hokan_udp_drops_total{reason=\"kernel\"}", s.listener_set->kernel_udp_drops());
  if (s.listener_set) {
    auto c = s.listener_set->connection_stats();
    metric(out, "hokan_connections_open", "gauge", "Stream connections (TCP, TLS, RELP) open now.");
    sample(out, "hokan_connections_open", c.open);
    metric(out, "hokan_connections_closed_total", "counter",
           "Stream connections hokand closed: reason=\"idle\" after [listen] idle_timeout, reason=\"limit\" to "
           "make room under [listen] max_connections.");
    sample(out, "hokan_connections_closed_total{reason=\"idle\"}", c.idle_closed);
    sample(out, "hokan_connections_closed_total{reason=\"limit\"}", c.evicted);
  }
  metric(out, "hokan_accept_errors_total", "counter", "Failed accepts (out of descriptors); each is followed by a pause.");
  sample(out, "hokan_accept_errors_total", l.accept_errors.load());
  metric(out, "hokan_tcp_connections_total", "counter", "TCP connections accepted.");
  sample(out, "hokan_tcp_connections_total", l.connections.load());
  metric(out, "hokan_tls_connections_total", "counter", "TLS connections accepted.");
  sample(out, "hokan_tls_connections_total", l.tls_connections.load());
  metric(out, "hokan_tls_handshake_failures_total", "counter",
         "TLS connections dropped before or during the handshake (refused certificate, timeout, not TLS).");
  sample(out, "hokan_tls_handshake_failures_total", l.tls_handshake_failures.load());
  metric(out, "hokan_relp_connections_total", "counter", "RELP connections accepted.");
  sample(out, "hokan_relp_connections_total", l.relp_connections.load());

  const auto& w = *s.writer;
  metric(out, "hokan_records_ingested_total", "counter", "Records written to the store, per category.");
  auto categories = w.snapshot_categories();
  for (const auto& [name, c] : categories)
    sample(out, "hokan_records_ingested_total{category=\"" + name + "\"}", static_cast<double>(c.records));
  metric(out, "hokan_bytes_ingested_total", "counter", "Message and object bytes written, per category.");
  for (const auto& [name, c] : categories)
    sample(out, "hokan_bytes_ingested_total{category=\"" + name + "\"}", static_cast<double>(c.bytes));
  metric(out, "hokan_write_errors_total", "counter",
         "Records given up on: their bucket cannot be written (never a full disk; those are retried).");
  sample(out, "hokan_write_errors_total", w.write_errors.load());
  metric(out, "hokan_write_retries_total", "counter", "Write attempts the store refused and the writer kept to retry.");
  sample(out, "hokan_write_retries_total", w.write_retries.load());
  metric(out, "hokan_write_batch_seconds", "histogram", "Group-commit latency: store write and WAL sync.");
  uint64_t count = w.batches.load();
  for (std::size_t i = 0; i < std::size(ingest::WriterCounters::kLatencyBounds); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", ingest::WriterCounters::kLatencyBounds[i]);
    sample(out, std::string("hokan_write_batch_seconds_bucket{le=\"") + le + "\"}", w.latency_buckets[i].load());
  }
  sample(out, "hokan_write_batch_seconds_bucket{le=\"+Inf\"}", count);
  sample(out, "hokan_write_batch_seconds_sum", w.latency_micros_sum.load() / 1e6);
  sample(out, "hokan_write_batch_seconds_count", count);

  const auto& p = *s.purges;
  metric(out, "hokan_purges_total", "counter", "Purges run (scheduled and manual).");
  sample(out, "hokan_purges_total", p.runs.load());
  metric(out, "hokan_purged_records_total", "counter", "Records destroyed by purges.");
  sample(out, "hokan_purged_records_total", p.destroyed.load());
  metric(out, "hokan_erasures_total", "counter", "Subject erasures run.");
  sample(out, "hokan_erasures_total", p.erasures.load());
  metric(out, "hokan_erased_records_total", "counter", "Records destroyed by erasures.");
  sample(out, "hokan_erased_records_total", p.erased.load());
  metric(out, "hokan_holds", "gauge", "Legal holds in place.");
  sample(out, "hokan_holds", static_cast<double>(s.holds->list().size()));
  if (s.store_space) {
    auto sp = s.store_space();
    metric(out, "hokan_disk_free_bytes", "gauge", "Free bytes on the state directory's filesystem.");
    sample(out, "hokan_disk_free_bytes", static_cast<double>(sp.free));
    metric(out, "hokan_disk_reserve_bytes", "gauge", "Bytes kept back for purges and the audit trail ([storage] reserve).");
    sample(out, "hokan_disk_reserve_bytes", static_cast<double>(sp.reserve));
    metric(out, "hokan_disk_full", "gauge", "1 while ordinary writes are refused for lack of space.");
    sample(out, "hokan_disk_full", sp.full ? 1 : 0);
  }
  if (s.shipper) {
    auto r = s.shipper->status();
    metric(out, "hokan_remote_backlog_bytes", "gauge", "Bytes of objects waiting here to be shipped to the remote store.");
    sample(out, "hokan_remote_backlog_bytes", static_cast<double>(r.backlog_bytes));
    metric(out, "hokan_remote_backlog_objects", "gauge", "Objects waiting here to be shipped to the remote store.");
    sample(out, "hokan_remote_backlog_objects", static_cast<double>(r.backlog_objects));
    metric(out, "hokan_remote_uploaded_total", "counter", "Objects shipped and verified.");
    sample(out, "hokan_remote_uploaded_total", static_cast<double>(r.uploaded));
    metric(out, "hokan_remote_uploaded_bytes_total", "counter", "Plaintext bytes of the objects shipped.");
    sample(out, "hokan_remote_uploaded_bytes_total", static_cast<double>(r.uploaded_bytes));
    metric(out, "hokan_remote_upload_errors_total", "counter", "Failed attempts to ship an object (each is retried).");
    sample(out, "hokan_remote_upload_errors_total", static_cast<double>(r.errors));
    metric(out, "hokan_remote_upload_seconds", "gauge", "How long the last object took to ship (encrypt, upload, verify).");
    sample(out, "hokan_remote_upload_seconds", r.last_upload_seconds);
    metric(out, "hokan_remote_local_removed_total", "counter", "Shipped objects whose local bytes were removed after keep_local.");
    sample(out, "hokan_remote_local_removed_total", static_cast<double>(r.removed_local));
  }
  if (s.store) {
    metric(out, "hokan_corrupt_total", "counter",
           "Damaged record blocks, postings or records that queries went past (hokanctl verify says where).");
    sample(out, "hokan_corrupt_total", s.store->corrupt.load());
    metric(out, "hokan_bucket_opens_total", "counter", "Day buckets (RocksDB instances) opened.");
    sample(out, "hokan_bucket_opens_total", s.store->bucket_opens.load());
  }
  if (s.http) {
    metric(out, "hokan_objects_stored_total", "counter", "Objects stored over HTTP.");
    sample(out, "hokan_objects_stored_total", s.http->objects.load());
    metric(out, "hokan_object_bytes_total", "counter", "Object bytes stored over HTTP.");
    sample(out, "hokan_object_bytes_total", s.http->object_bytes.load());
    metric(out, "hokan_objects_ignored_total", "counter",
           "Object PUTs answered 204 and not stored: names the category ignores (playlists).");
    sample(out, "hokan_objects_ignored_total", s.http->ignored.load());
    metric(out, "hokan_http_refused_total", "counter",
           "HTTP requests refused (4xx/5xx), by reason (the answer's body and the log say more).");
    for (std::size_t i = 0; i < objects::kReasonCount; ++i)
      sample(out, "hokan_http_refused_total{reason=\"" + std::string(objects::reason_name(static_cast<objects::Reason>(i))) + "\"}",
             s.http->refused[i].load());
  }
  return out;
}

}  // namespace hokan::runtime
