// repr() of numpy arrays, following numpy's default print options: elements padded to a common
// width, floats with at most 8 fractional digits (scientific when the magnitudes call for it),
// lines wrapped at 75 columns, and arrays over 1000 elements summarised with "...".
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "codec/ndarray.hpp"
#include "codec/repr.hpp"

namespace conflux::repr {
namespace {

constexpr size_t kPrecision = 8;
constexpr uint64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr size_t kLineWidth = 75;

std::string to_chars_string(double x, bool is_float32, std::chars_format fmt,
                            std::optional<int> precision) {
  char buf[512];
  std::to_chars_result r;
  if (is_float32) {
    auto f = static_cast<float>(x);
    r = precision ? std::to_chars(buf, buf + sizeof(buf), f, fmt, *precision)
                  : std::to_chars(buf, buf + sizeof(buf), f, fmt);
  } else {
    r = precision ? std::to_chars(buf, buf + sizeof(buf), x, fmt, *precision)
                  : std::to_chars(buf, buf + sizeof(buf), x, fmt);
  }
  return std::string(buf, r.ptr);
}

void trim_zeros(std::string& frac) {
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
}

// Formats elements the way numpy's FloatingFormat / IntegerFormat / BoolFormat do.
class ElementFormat {
 public:
  ElementFormat(const ndarray::DtypeInfo& d, const std::vector<const char*>& shown, bool zero_d)
      : d_(d) {
    if (d.kind == ndarray::ElementKind::kBool) {
      true_str_ = zero_d ? "True" : " True";
      return;
    }
    if (d.kind != ndarray::ElementKind::kFloat) {
      for (const char* p : shown) width_ = std::max(width_, integer_string(p).size());
      return;
    }
    is_float32_ = d.itemsize <= 4;
    std::vector<double> finite;
    bool has_neg_inf = false, has_nonfinite = false;
    for (const char* p : shown) {
      double x = ndarray::element_as_double(d, p);
      if (std::isfinite(x)) {
        finite.push_back(x);
      } else {
        has_nonfinite = true;
        has_neg_inf |= std::isinf(x) && x < 0;
      }
    }
    double max_abs = 0, min_abs = INFINITY;
    for (double x : finite) {
      if (x == 0) continue;
      max_abs = std::max(max_abs, std::fabs(x));
      min_abs = std::min(min_abs, std::fabs(x));
    }
    if (max_abs > 0) exp_ = max_abs >= 1e8 || min_abs < 0.0001 || max_abs / min_abs > 1000.0;
    if (finite.empty()) {
      pad_left_ = pad_right_ = 0;
    } else if (exp_) {
      size_t exp_digits = 0;
      for (double x : finite) {
        auto [mant, e] = scientific_parts(x, std::nullopt);
        size_t dot = mant.find('.');
        std::string frac = dot == std::string::npos ? "" : mant.substr(dot + 1);
        if (frac.size() > kPrecision) {
          auto [m2, e2] = scientific_parts(x, static_cast<int>(kPrecision));
          dot = m2.find('.');
          frac = dot == std::string::npos ? "" : m2.substr(dot + 1);
          trim_zeros(frac);
          e = e2;
          mant = m2;
        }
        precision_ = std::max(precision_, frac.size());
        pad_left_ = std::max(pad_left_, dot == std::string::npos ? mant.size() : dot);
        exp_digits = std::max(exp_digits, std::to_string(std::abs(e)).size());
      }
      exp_size_ = std::max<size_t>(exp_digits, 2);
      pad_right_ = exp_size_ + 2 + precision_;
    } else {
      for (double x : finite) {
        auto [ip, fp] = positional_parts(x);
        pad_left_ = std::max(pad_left_, ip.size());
        pad_right_ = std::max(pad_right_, fp.size());
      }
    }
    if (has_nonfinite) {
      size_t offset = pad_right_ + 1;
      size_t inf_len = 3 + (has_neg_inf ? 1 : 0);
      if (3 > offset) pad_left_ = std::max(pad_left_, 3 - offset);
      if (inf_len > offset) pad_left_ = std::max(pad_left_, inf_len - offset);
    }
  }

  std::string format(const char* p) const {
    if (d_.kind == ndarray::ElementKind::kBool) return *p ? true_str_ : "False";
    if (d_.kind != ndarray::ElementKind::kFloat) {
      std::string s = integer_string(p);
      return std::string(width_ - std::min(width_, s.size()), ' ') + s;
    }
    double x = ndarray::element_as_double(d_, p);
    if (!std::isfinite(x)) {
      std::string s = std::isnan(x) ? "nan" : (x < 0 ? "-inf" : "inf");
      size_t width = pad_left_ + pad_right_ + 1;
      return std::string(width - std::min(width, s.size()), ' ') + s;
    }
    if (exp_) {
      auto [mant, e] = scientific_parts(x, static_cast<int>(precision_));
      size_t dot = mant.find('.');
      std::string ip = dot == std::string::npos ? mant : mant.substr(0, dot);
      std::string fp = dot == std::string::npos ? "" : mant.substr(dot + 1);
      std::string es = std::to_string(std::abs(e));
      es.insert(0, exp_size_ - std::min(exp_size_, es.size()), '0');
      return std::string(pad_left_ - std::min(pad_left_, ip.size()), ' ') + ip + "." + fp + "e" +
             (e < 0 ? "-" : "+") + es;
    }
    auto [ip, fp] = positional_parts(x);
    return std::string(pad_left_ - std::min(pad_left_, ip.size()), ' ') + ip + "." + fp +
           std::string(pad_right_ - std::min(pad_right_, fp.size()), ' ');
  }

 private:
  std::string integer_string(const char* p) const {
    if (d_.kind == ndarray::ElementKind::kUInt) return std::to_string(ndarray::element_as_uint64(d_, p));
    return std::to_string(ndarray::element_as_int64(d_, p));
  }

  // Shortest digits, at most kPrecision fractional ones, trailing zeros trimmed: "1", "25".
  std::pair<std::string, std::string> positional_parts(double x) const {
    std::string s = to_chars_string(x, is_float32_, std::chars_format::fixed, std::nullopt);
    size_t dot = s.find('.');
    if (dot != std::string::npos && s.size() - dot - 1 > kPrecision) {
      s = to_chars_string(x, is_float32_, std::chars_format::fixed, static_cast<int>(kPrecision));
      dot = s.find('.');
    }
    std::string ip = dot == std::string::npos ? s : s.substr(0, dot);
    std::string fp = dot == std::string::npos ? "" : s.substr(dot + 1);
    trim_zeros(fp);
    return {ip, fp};
  }

  // ("1.5", -5) for 1.5e-05; shortest digits unless `precision` is given.
  std::pair<std::string, int> scientific_parts(double x, std::optional<int> precision) const {
    std::string s = to_chars_string(x, is_float32_, std::chars_format::scientific, precision);
    size_t e = s.find('e');
    int exp = 0;
    std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exp);
    return {s.substr(0, e), exp};
  }

  ndarray::DtypeInfo d_;
  std::string true_str_;
  size_t width_ = 0;
  bool is_float32_ = false;
  bool exp_ = false;
  size_t pad_left_ = 0, pad_right_ = 0, precision_ = 0, exp_size_ = 0;
};

// numpy's _formatArray: nested brackets, wrapped rows, "..." for summarised axes.
class ArrayFormatter {
 public:
  ArrayFormatter(const NdArray& a, const ndarray::DtypeInfo& d, bool summarize)
      : a_(a), d_(d), summarize_(summarize) {
    strides_.assign(a.shape.size(), 1);
    for (size_t k = a.shape.size(); k-- > 1;) {
      strides_[k - 1] = strides_[k] * static_cast<uint64_t>(a.shape[k]);
    }
  }

  // Pointers to the elements that will be printed.
  std::vector<const char*> shown() const {
    std::vector<const char*> out;
    collect(0, 0, out);
    return out;
  }

  std::string format(const ElementFormat& f, size_t line_width, const std::string& prefix) const {
    return recurse(f, 0, 0, prefix, line_width);
  }

 private:
  std::vector<int64_t> indices(size_t axis) const {
    int64_t n = a_.shape[axis];
    std::vector<int64_t> idx;
    if (summarize_ && 2 * kEdgeItems < n) {
      for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      for (int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  const char* element(uint64_t flat) const { return a_.data.data() + flat * d_.itemsize; }

  void collect(size_t axis, uint64_t base, std::vector<const char*>& out) const {
    if (axis == a_.shape.size()) {
      out.push_back(element(base));
      return;
    }
    for (int64_t i : indices(axis)) collect(axis + 1, base + static_cast<uint64_t>(i) * strides_[axis], out);
  }

  static void extend_line(std::string& s, std::string& line, const std::string& word,
                          size_t width, const std::string& indent) {
    bool wrap = line.size() + word.size() > width && line.size() > indent.size();
    if (wrap) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      s += line + "\n";
      line = indent;
    }
    line += word;
  }

  std::string recurse(const ElementFormat& f, size_t axis, uint64_t base, const std::string& indent,
                      size_t width) const {
    if (axis == a_.shape.size()) return f.format(element(base));
    std::string next_indent = indent + " ";
    size_t next_width = width - 1;
    int64_t n = a_.shape[axis];
    bool summary = summarize_ && 2 * kEdgeItems < n;
    int64_t leading = summary ? kEdgeItems : 0;
    int64_t trailing = summary ? kEdgeItems : n;
    size_t axes_left = a_.shape.size() - axis;
    std::string s;
    auto at = [&](int64_t i) { return base + static_cast<uint64_t>(i) * strides_[axis]; };
    if (axes_left == 1) {
      size_t elem_width = width - 1;  // max(len(", ".rstrip()), len("]"))
      std::string line = indent;
      for (int64_t i = 0; i < leading; ++i) {
        extend_line(s, line, recurse(f, axis + 1, at(i), next_indent, next_width), elem_width, indent);
        line += ", ";
      }
      if (summary) {
        extend_line(s, line, "...", elem_width, indent);
        line += ", ";
      }
      for (int64_t i = trailing; i > 1; --i) {
        extend_line(s, line, recurse(f, axis + 1, at(n - i), next_indent, next_width), elem_width,
                    indent);
        line += ", ";
      }
      extend_line(s, line, recurse(f, axis + 1, at(n - 1), next_indent, next_width), elem_width,
                  indent);
      s += line;
    } else {
      std::string line_sep = "," + std::string(axes_left - 1, '\n');
      for (int64_t i = 0; i < leading; ++i) {
        s += indent + recurse(f, axis + 1, at(i), next_indent, next_width) + line_sep;
      }
      if (summary) s += indent + "..." + line_sep;
      for (int64_t i = trailing; i > 1; --i) {
        s += indent + recurse(f, axis + 1, at(n - i), next_indent, next_width) + line_sep;
      }
      s += indent + recurse(f, axis + 1, at(n - 1), next_indent, next_width);
    }
    return "[" + s.substr(indent.size()) + "]";
  }

  const NdArray& a_;
  ndarray::DtypeInfo d_;
  bool summarize_;
  std::vector<uint64_t> strides_;
};

std::string shape_repr(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

}  // namespace

std::string ndarray_repr(const NdArray& a) {
  auto d = ndarray::lookup(a.dtype);
  if (!d) return "array(<unsupported dtype '" + a.dtype + "'>)";
  uint64_t count = a.element_count();
  bool default_dtype = d->str == "<f8" || d->str == "<i8" || d->str == "|b1";
  std::string dtype_str = "dtype=" + std::string(d->name) + ")";
  if (a.detached || a.data.size() != count * d->itemsize) {
    return "array(<" + std::to_string(a.nbytes()) + " bytes delivered elsewhere>, shape=" +
           shape_repr(a.shape) + ", " + dtype_str;
  }
  bool skip_dtype = default_dtype && count > 0;
  std::string prefix = "array(";
  std::string suffix = skip_dtype ? ")" : ",";
  std::string body;
  if (count > 0 || (a.shape.size() == 1 && a.shape[0] == 0)) {
    if (a.shape.empty()) {
      ElementFormat f(*d, {a.data.data()}, /*zero_d=*/true);
      body = f.format(a.data.data());
    } else if (count == 0) {
      body = "[]";
    } else {
      ArrayFormatter formatter(a, *d, count > kThreshold);
      ElementFormat f(*d, formatter.shown(), false);
      body = formatter.format(f, kLineWidth - suffix.size(), std::string(1 + prefix.size(), ' '));
    }
  } else {
    body = "[], shape=" + shape_repr(a.shape);
  }
  std::string s = prefix + body + suffix;
  if (skip_dtype) return s;
  size_t nl = s.rfind('\n');
  size_t last_line = nl == std::string::npos ? s.size() : s.size() - nl - 1;
  std::string spacer = last_line + dtype_str.size() + 1 > kLineWidth
                           ? "\n" + std::string(prefix.size(), ' ')
                           : " ";
  return s + spacer + dtype_str;
}

}  // namespace conflux::repr
