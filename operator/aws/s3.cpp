#include "operator/aws/s3.h"

#include "operator/aws/paginate.h"
#include "operator/aws/sigv4.h"

namespace aura::aws {

std::string S3Client::object_path(const std::string& bucket, const std::string& key) const {
  return "/" + bucket + "/" + sigv4::uri_encode(key, false);
}

Result<void> S3Client::put_object(const std::string& bucket, const std::string& key,
                                  const std::string& body, const std::string& content_type) {
  auto r = client_->rest("PutObject", "PUT", object_path(bucket, key),
                         {{"Content-Type", content_type}}, body);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::string> S3Client::get_object(const std::string& bucket, const std::string& key) {
  auto r = client_->rest("GetObject", "GET", object_path(bucket, key), {}, {});
  if (!r) return std::unexpected(r.error());
  return std::move(r->body);
}

Result<void> S3Client::delete_object(const std::string& bucket, const std::string& key) {
  auto r = client_->rest("DeleteObject", "DELETE", object_path(bucket, key), {}, {});
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<void> S3Client::create_bucket(const std::string& bucket) {
  std::string body;
  // Outside us-east-1 the bucket's region must be stated.
  if (client_->region() != "us-east-1")
    body =
        "<CreateBucketConfiguration "
        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
        client_->region() + "</LocationConstraint></CreateBucketConfiguration>";
  auto r = client_->rest("CreateBucket", "PUT", "/" + bucket, {}, body);
  if (!r) return std::unexpected(r.error());
  return {};
}

std::vector<S3Object> parse_list_objects(const pugi::xml_node& result, std::string* continuation) {
  std::vector<S3Object> out;
  for (auto c : result.children("Contents")) {
    S3Object o;
    o.key = c.child_value("Key");
    o.size = c.child("Size").text().as_llong();
    o.etag = c.child_value("ETag");
    out.push_back(std::move(o));
  }
  if (continuation)
    *continuation = std::string(result.child_value("IsTruncated")) == "true"
                        ? result.child_value("NextContinuationToken")
                        : "";
  return out;
}

Result<std::vector<S3Object>> S3Client::list_objects(const std::string& bucket,
                                                     const std::string& prefix) {
  std::vector<S3Object> all;
  auto pages = for_each_page([&](const std::string& token) -> Result<std::string> {
    std::string path = "/" + bucket + "?list-type=2&prefix=" + sigv4::uri_encode(prefix);
    if (!token.empty()) path += "&continuation-token=" + sigv4::uri_encode(token);
    auto r = client_->rest("ListObjectsV2", "GET", path, {}, {});
    if (!r) return std::unexpected(r.error());
    pugi::xml_document doc;
    if (!doc.load_buffer(r->body.data(), r->body.size()))
      return std::unexpected(AwsError{"s3", "ListObjectsV2", r->status, "MalformedResponse",
                                      "the answer is not XML", "", false});
    std::string next;
    auto page = parse_list_objects(doc.child("ListBucketResult"), &next);
    all.insert(all.end(), page.begin(), page.end());
    return next;
  });
  if (!pages) return std::unexpected(pages.error());
  return all;
}

}  // namespace aura::aws
