#include "service/ui_api/event_bus.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace conflux::service {

std::optional<std::string> EventBus::Subscription::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(bus_.mu_);
  bus_.cv_.wait_for(lock, timeout, [&] { return bus_.closed_ || !queue_.empty(); });
  if (queue_.empty()) return std::nullopt;
  std::string out = std::move(queue_.front());
  queue_.pop_front();
  return out;
}

bool EventBus::Subscription::closed() const {
  std::lock_guard lock(bus_.mu_);
  return bus_.closed_;
}

std::shared_ptr<EventBus::Subscription> EventBus::subscribe(std::string resource) {
  std::lock_guard lock(mu_);
  if (closed_ || subs_.size() >= max_subscribers_) return nullptr;
  std::shared_ptr<Subscription> s(new Subscription(*this, std::move(resource)));
  subs_.push_back(s);
  return s;
}

void EventBus::unsubscribe(const std::shared_ptr<Subscription>& s) {
  std::lock_guard lock(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), s), subs_.end());
}

bool EventBus::wanted(std::string_view resource) const {
  std::lock_guard lock(mu_);
  return std::any_of(subs_.begin(), subs_.end(), [&](const auto& s) { return s->resource_ == resource; });
}

bool EventBus::any_subscriber() const {
  std::lock_guard lock(mu_);
  return !subs_.empty();
}

void EventBus::publish(std::string_view resource, std::string_view type, const std::string& data_json) {
  std::string message;
  {
    std::lock_guard lock(mu_);
    bool any = false;
    for (const auto& s : subs_) any = any || s->resource_ == resource;
    if (!any) return;
  }
  // Built outside the lock: data_json is already JSON text, spliced in as is.
  message = "{\"type\":" + nlohmann::json(type).dump() + ",\"resource\":" + nlohmann::json(resource).dump() +
            ",\"data\":" + data_json + "}";
  {
    std::lock_guard lock(mu_);
    for (const auto& s : subs_) {
      if (s->resource_ != resource) continue;
      if (s->queue_.size() >= kMaxQueued) s->queue_.pop_front();
      s->queue_.push_back(message);
    }
  }
  cv_.notify_all();
}

void EventBus::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace conflux::service
