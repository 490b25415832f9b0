#include "remote/key_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace hokan::remote {
namespace {
namespace fs = std::filesystem;

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hokan-keys-" + std::to_string(std::random_device{}()));
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Whether any file under the folder holds `bytes`.
  bool anywhere(const DataKey& key) const {
    std::string needle(key.begin(), key.end());
    for (const auto& f : fs::recursive_directory_iterator(dir_)) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path(), std::ios::binary);
      std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (content.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  fs::path dir_;
};

TEST_F(KeyStoreTest, KeepsOneKeyPerBucketOnlyItsOwnerCanRead) {
  auto store = KeyStore::open(dir_.string());
  ASSERT_TRUE(store);
  auto a = (*store)->key_for("hokan-cctv-1-20261201");
  auto again = (*store)->key_for("hokan-cctv-1-20261201");
  auto b = (*store)->key_for("hokan-cctv-1-20261202");
  ASSERT_TRUE(a && again && b);
  EXPECT_EQ(*a, *again);
  EXPECT_NE(*a, *b);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "hokan-cctv-1-20261201.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  auto reopened = KeyStore::open(dir_.string());
  auto found = (*reopened)->find("hokan-cctv-1-20261201");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(**found, *a);
  EXPECT_FALSE((*store)->key_for("../escape"));
}

TEST_F(KeyStoreTest, ADestroyedKeyIsGoneFromTheFolderAndNeverMadeAgain) {
  auto store = KeyStore::open(dir_.string());
  auto key = (*store)->key_for("hokan-cctv-1-20261201");
  ASSERT_TRUE(key);
  ASSERT_TRUE(anywhere(*key));
  auto destroyed = (*store)->destroy("hokan-cctv-1-20261201");
  ASSERT_TRUE(destroyed);
  EXPECT_TRUE(*destroyed);
  EXPECT_FALSE(anywhere(*key));
  auto found = (*store)->find("hokan-cctv-1-20261201");
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
  auto remade = (*store)->key_for("hokan-cctv-1-20261201");
  ASSERT_FALSE(remade);
  EXPECT_EQ(remade.error().code, Errc::permission_denied);
  auto twice = (*store)->destroy("hokan-cctv-1-20261201");
  ASSERT_TRUE(twice);
  EXPECT_FALSE(*twice);
}

}  // namespace
}  // namespace hokan::remote
