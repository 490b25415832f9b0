#include "remote/escrow.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>

namespace hokan::remote {

struct Escrow::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

Escrow::Escrow(std::unique_ptr<Key> key) : key_(std::move(key)) {}
Escrow::~Escrow() = default;

Result<std::unique_ptr<Escrow>> Escrow::load(const std::string& pem_file) {
  std::FILE* f = std::fopen(pem_file.c_str(), "r");
  if (!f) return fail(Errc::invalid_argument, "escrow_public_key: cannot read \"" + pem_file + "\"");
  auto key = std::make_unique<Key>();
  key->pkey = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!key->pkey)
    return fail(Errc::invalid_argument, "escrow_public_key: \"" + pem_file + "\" is not a public key in PEM");
  if (EVP_PKEY_get_base_id(key->pkey) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key->pkey) < 2048)
    return fail(Errc::invalid_argument,
                "escrow_public_key: \"" + pem_file + "\" must be an RSA key of at least 2048 bits (openssl genpkey "
                "-algorithm RSA -pkeyopt rsa_keygen_bits:3072)");
  return std::unique_ptr<Escrow>(new Escrow(std::move(key)));
}

Result<std::string> Escrow::wrap(const DataKey& data_key) const {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key_->pkey, nullptr),
                                                                 &EVP_PKEY_CTX_free);
  std::size_t size = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &size, data_key.data(), data_key.size()) != 1)
    return fail(Errc::internal, "escrow: RSA-OAEP set-up failed");
  std::string out(size, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, data_key.data(),
                       data_key.size()) != 1)
    return fail(Errc::internal, "escrow: RSA-OAEP failed");
  out.resize(size);
  return out;
}

}  // namespace hokan::remote
