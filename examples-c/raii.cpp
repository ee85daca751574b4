// epyr from C++: RAII wrappers (std::unique_ptr with epyr's free functions) and exceptions
// carrying the status and the last error message.
//
//   raii file
#include <epyr.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace epyr {

// The error of a failed call: its status and the library's message.
class error : public std::runtime_error {
public:
    error(int32_t status, const std::string &call)
        : std::runtime_error(call + ": " + epyr_error_name(status) + ": " + last_message()),
          status_(status) {}
    int32_t status() const { return status_; }

private:
    static std::string last_message() {
        std::string text(epyr_last_error_message(nullptr, 0), '\0');
        epyr_last_error_message(&text[0], text.size());
        text.resize(text.size() - 1); // the NUL
        return text;
    }
    int32_t status_;
};

inline void check(int32_t status, const char *call) {
    if (status != EPYR_OK)
        throw error(status, call);
}

struct deleter {
    void operator()(epyr_loader *p) const { epyr_loader_free(p); }
    void operator()(epyr_dataset *p) const { epyr_dataset_free(p); }
    void operator()(epyr_reader *p) const { epyr_reader_free(p); }
    void operator()(epyr_cache *p) const { epyr_cache_free(p); }
};

using loader_ptr = std::unique_ptr<epyr_loader, deleter>;
using dataset_ptr = std::unique_ptr<epyr_dataset, deleter>;
using reader_ptr = std::unique_ptr<epyr_reader, deleter>;
using cache_ptr = std::unique_ptr<epyr_cache, deleter>;

inline cache_ptr make_cache(double max_size_mb) {
    epyr_cache *p = nullptr;
    check(epyr_cache_new(max_size_mb, &p), "epyr_cache_new");
    return cache_ptr(p);
}

inline loader_ptr make_loader(epyr_cache *cache) {
    epyr_loader *p = nullptr;
    check(epyr_loader_new(cache, 0, 1, &p), "epyr_loader_new");
    return loader_ptr(p);
}

inline dataset_ptr load(epyr_loader *loader, const std::string &path) {
    epyr_dataset *p = nullptr;
    check(epyr_loader_load(loader, path.c_str(), nullptr, &p), "epyr_loader_load");
    return dataset_ptr(p);
}

inline reader_ptr open_reader(epyr_loader *loader, const std::string &path) {
    epyr_reader *p = nullptr;
    check(epyr_reader_open(loader, path.c_str(), &p), "epyr_reader_open");
    return reader_ptr(p);
}

// Copies a component into a vector (caller-owned buffer with a size query).
inline std::vector<double> values(const epyr_dataset *ds, uint32_t component) {
    uint64_t len = 0;
    check(epyr_dataset_copy_values(ds, component, nullptr, 0, &len), "size query");
    std::vector<double> out(len);
    check(epyr_dataset_copy_values(ds, component, out.data(), out.size(), &len),
          "epyr_dataset_copy_values");
    return out;
}

inline std::string param(const epyr_dataset *ds, const std::string &key) {
    uint64_t needed = 0;
    check(epyr_dataset_param(ds, key.c_str(), nullptr, 0, &needed), "epyr_dataset_param");
    std::string text(needed, '\0');
    check(epyr_dataset_param(ds, key.c_str(), &text[0], text.size(), &needed),
          "epyr_dataset_param");
    text.resize(needed - 1);
    return text;
}

} // namespace epyr

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: raii file\n");
        return 2;
    }
    try {
        epyr::loader_ptr loader;
        {
            // The loader keeps the cache alive after the cache handle goes out of scope.
            epyr::cache_ptr cache = epyr::make_cache(32);
            loader = epyr::make_loader(cache.get());
        }
        epyr::dataset_ptr ds = epyr::load(loader.get(), argv[1]);
        uint64_t nx = 0, ny = 0, nz = 0;
        epyr::check(epyr_dataset_dims(ds.get(), &nx, &ny, &nz), "epyr_dataset_dims");
        std::printf("dims: %llu x %llu x %llu\n", (unsigned long long)nx,
                    (unsigned long long)ny, (unsigned long long)nz);

        std::vector<double> v = epyr::values(ds.get(), 0);
        std::printf("values: %zu, first: %.17g\n", v.size(), v.empty() ? 0.0 : v[0]);

        // The dataset outlives the loader that made it.
        loader = epyr::make_loader(nullptr);
        std::printf("after the loader is gone: %zu values\n", epyr::values(ds.get(), 0).size());

        try {
            epyr::param(ds.get(), "NO_SUCH_KEY");
        } catch (const epyr::error &e) {
            std::printf("caught: status %d: %s\n", (int)e.status(), e.what());
        }

        epyr::reader_ptr reader = epyr::open_reader(loader.get(), argv[1]);
        uint64_t chunks = 0, total = 0;
        for (;;) {
            const double *chunk = nullptr;
            uint64_t len = 0, first = 0;
            epyr::check(epyr_reader_next_chunk(reader.get(), &chunk, &len, &first),
                        "epyr_reader_next_chunk");
            if (len == 0)
                break;
            chunks++;
            total += len;
        }
        std::printf("streamed: %llu values in %llu chunks\n", (unsigned long long)total,
                    (unsigned long long)chunks);

        try {
            epyr::load(loader.get(), "/nonexistent/file.DSC");
        } catch (const epyr::error &e) {
            std::printf("caught: %s\n", e.status() == EPYR_ERR_NOT_FOUND ? "EPYR_ERR_NOT_FOUND"
                                                                        : "other error");
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
