"""Every code example of EPyR Tools' performance documentation (epyr.performance) runs
unchanged with epyr_native, but for its import line (``epyr`` -> ``epyr_native``) and the file
names (real corpus files instead of 'spectrum.dsc'). Names the snippets leave undefined
(``x_array``, ``logger``, ``process_data`` ...) are given by the test; functions a snippet only
defines are then called."""

import logging
import pathlib

import numpy as np
import pytest

SNIPPETS = {
    "memory_monitor": '''
from epyr.performance import MemoryMonitor

# Get current memory usage
memory_info = MemoryMonitor.get_memory_info()
print(f"Memory usage: {memory_info['rss_mb']:.1f} MB")
print(f"Virtual memory: {memory_info['vms_mb']:.1f} MB")
print(f"Memory percentage: {memory_info['percent']:.1f}%")

# Check if within limits
if not MemoryMonitor.check_memory_limit():
    print("Memory limit exceeded!")
    MemoryMonitor.optimize_memory()  # Force garbage collection
''',
    "memory_info_structure": '''
{
    'rss_mb': 150.5,      # Resident Set Size in MB
    'vms_mb': 300.2,      # Virtual Memory Size in MB
    'percent': 3.8        # Percentage of system memory used
}
''',
    "memory_limit_checking": '''
# Automatic memory monitoring
def process_large_dataset():
    if not MemoryMonitor.check_memory_limit():
        print("Approaching memory limit, optimizing...")
        MemoryMonitor.optimize_memory()

        # Still over limit? Reduce processing parameters
        if not MemoryMonitor.check_memory_limit():
            chunk_size = chunk_size // 2  # Reduce chunk size
''',
    "config_memory_limit": '''
from epyr.config import config

# Configure memory limits
config.set('performance.memory_limit_mb', 1000)  # 1GB limit
''',
    "data_cache": '''
from epyr.performance import DataCache

# Create cache with 200MB limit
cache = DataCache(max_size_mb=200)

# Cache data automatically considers file modification times
data = (x_array, y_array, parameters_dict)
cache.put(file_path, data)

# Retrieve cached data (None if not found or invalid)
cached_data = cache.get(file_path)
if cached_data:
    x, y, params = cached_data
    print("Using cached data")
else:
    print("Loading fresh data")
''',
    "cache_key": '''
# Cache keys include file modification time and size
# Data is automatically invalidated when file changes
cache_key = file_path + "_" + modification_time + "_" + file_size
''',
    "cache_eviction": '''
# Automatic eviction when cache limit reached
cache = DataCache(max_size_mb=100)

# Add large dataset
large_data = (np.zeros(1000000), np.zeros(1000000), {})
cache.put(Path(LARGE_FILE), large_data)

# Older entries automatically evicted to make space
stats = cache.get_stats()
print(f"Cache usage: {stats['usage_percent']:.1f}%")
''',
    "cache_statistics": '''
stats = cache.get_stats()
# Returns:
{
    'entries': 5,                # Number of cached files
    'total_size_mb': 45.2,      # Total cache size
    'max_size_mb': 100,         # Cache limit
    'usage_percent': 45.2       # Percentage used
}
''',
    "global_cache": '''
from epyr.performance import get_global_cache

# Access the global cache instance
cache = get_global_cache()

# All EPyR Tools modules can use this shared cache
cache.clear()  # Clear all cached data
''',
    "optimized_loader": '''
from epyr.performance import OptimizedLoader

# Create optimized loader
loader = OptimizedLoader(
    chunk_size_mb=10,      # Process in 10MB chunks
    cache_enabled=True     # Enable caching
)

# Load EPR file with optimizations
x, y, params, file_path = loader.load_epr_file(SPECTRUM)
''',
    "memory_efficient_loading": '''
# Automatic memory checking before loading
loader = OptimizedLoader()

# Memory optimization is automatic
data = loader.load_epr_file(LARGE_SPECTRUM)
# - Checks memory before loading
# - Optimizes memory if limits exceeded
# - Uses chunked processing for very large files
''',
    "intelligent_caching": '''
# Second load of same file uses cache
data1 = loader.load_epr_file(SPECTRUM)  # Loads from disk
data2 = loader.load_epr_file(SPECTRUM)  # Uses cache

# Cache automatically detects file changes
# Modifying file invalidates cache entry
''',
    "chunked_processing": '''
def custom_processor(file_path, is_chunked=False):
    """Custom processing function for chunked data."""
    if is_chunked:
        return process_in_chunks(file_path)
    else:
        return process_entire_file(file_path)

# Use chunked processing for large files
result = loader.load_chunked_data(HUGE_FILE, custom_processor)
''',
    "configuration_integration": '''
from epyr.config import config

# Loader uses configuration automatically
config.set('performance.chunk_size_mb', 20)
config.set('performance.cache_enabled', True)

loader = OptimizedLoader()  # Uses configured settings
''',
    "numpy_performance": '''
from epyr.performance import optimize_numpy_operations

# Optimize NumPy for multi-core processing
optimize_numpy_operations()
''',
    "numpy_configuration": '''
# Configuration controls optimization
config.set('performance.parallel_processing', True)
optimize_numpy_operations()  # Uses half of available cores
''',
    "performance_info": '''
from epyr.performance import get_performance_info

perf_info = get_performance_info()
''',
    "performance_info_structure": '''
{
    'memory': {
        'rss_mb': 150.5,
        'vms_mb': 300.2,
        'percent': 3.8
    },
    'cpu_count': 8,
    'config': {
        'cache_enabled': True,
        'cache_size_mb': 100,
        'chunk_size_mb': 10,
        'memory_limit_mb': 500,
        'parallel_processing': True
    }
}
''',
    "module_integration": '''
# In any EPyR Tools module
from epyr.performance import OptimizedLoader, MemoryMonitor
from epyr.config import config

def load_epr_data_optimized(file_path):
    """Load EPR data with full optimization."""

    # Check memory before starting
    if not MemoryMonitor.check_memory_limit():
        logger.warning("Memory usage high, optimizing...")
        MemoryMonitor.optimize_memory()

    # Use optimized loader
    loader = OptimizedLoader(
        chunk_size_mb=config.get('performance.chunk_size_mb'),
        cache_enabled=config.get('performance.cache_enabled')
    )

    return loader.load_epr_file(file_path)
''',
    "cli_integration": '''
# In CLI commands
def cmd_batch_convert():
    # Use performance monitoring for batch operations
    total_files = len(files_to_process)

    for i, file_path in enumerate(files_to_process):
        # Monitor memory during batch processing
        if i % 10 == 0:  # Check every 10 files
            if not MemoryMonitor.check_memory_limit():
                MemoryMonitor.optimize_memory()

        # Process with optimization
        loader = OptimizedLoader()
        data = loader.load_epr_file(file_path)
        process_data(data)
''',
    "fair_integration": '''
# In FAIR conversion module
from epyr.performance import OptimizedLoader

def convert_bruker_to_fair(input_file, **kwargs):
    """FAIR conversion with performance optimization."""

    # Use optimized loading for better performance
    loader = OptimizedLoader(cache_enabled=True)

    try:
        x, y, params, file_path = loader.load_epr_file(input_file)
        # Conversion process...

    except MemoryError:
        # Handle memory issues gracefully
        logger.warning("Memory limit reached, trying with smaller chunks")
        loader = OptimizedLoader(chunk_size_mb=5)  # Smaller chunks
        x, y, params, file_path = loader.load_epr_file(input_file)
''',
    "custom_cache": '''
from epyr.performance import DataCache

class CustomDataCache(DataCache):
    """Custom cache with additional features."""

    def __init__(self, max_size_mb=100):
        super().__init__(max_size_mb)
        self.hit_count = 0
        self.miss_count = 0

    def get(self, file_path):
        result = super().get(file_path)
        if result:
            self.hit_count += 1
        else:
            self.miss_count += 1
        return result

    def get_hit_rate(self):
        total = self.hit_count + self.miss_count
        return self.hit_count / total if total > 0 else 0

# Use custom cache
custom_cache = CustomDataCache(max_size_mb=200)
''',
    "performance_monitoring": '''
import time
from epyr.performance import MemoryMonitor, get_performance_info

def monitor_operation(operation_name, func, *args, **kwargs):
    """Monitor performance of an operation."""

    # Get initial state
    start_time = time.time()
    start_memory = MemoryMonitor.get_memory_info()

    print(f"Starting {operation_name}")
    print(f"Initial memory: {start_memory['rss_mb']:.1f} MB")

    # Run operation
    result = func(*args, **kwargs)

    # Get final state
    end_time = time.time()
    end_memory = MemoryMonitor.get_memory_info()

    # Report results
    duration = end_time - start_time
    memory_delta = end_memory['rss_mb'] - start_memory['rss_mb']

    print(f"Operation completed in {duration:.2f}s")
    print(f"Memory change: {memory_delta:+.1f} MB")
    print(f"Final memory: {end_memory['rss_mb']:.1f} MB")

    return result

# Use monitoring
result = monitor_operation("EPR Loading", load_epr_data, SPECTRUM)
''',
    "large_dataset_processing": '''
from epyr.performance import OptimizedLoader, MemoryMonitor

def process_large_dataset(file_paths):
    """Process multiple large EPR files efficiently."""

    loader = OptimizedLoader(
        chunk_size_mb=5,  # Small chunks for large files
        cache_enabled=True
    )

    results = []
    for i, file_path in enumerate(file_paths):
        print(f"Processing {i+1}/{len(file_paths)}: {file_path.name}")

        # Check memory every few files
        if i % 5 == 0:
            memory_info = MemoryMonitor.get_memory_info()
            print(f"Memory usage: {memory_info['rss_mb']:.1f} MB")

            if not MemoryMonitor.check_memory_limit():
                print("Optimizing memory...")
                MemoryMonitor.optimize_memory()

                # Clear cache if still over limit
                if not MemoryMonitor.check_memory_limit():
                    loader.cache.clear()
                    print("Cache cleared due to memory pressure")

        # Process file
        try:
            data = loader.load_epr_file(file_path)
            result = analyze_epr_data(data)
            results.append(result)

        except MemoryError:
            print(f"Skipping {file_path} due to memory constraints")
            continue

    return results
''',
    "configuration_options": '''
from epyr.config import config

# Cache configuration
config.set('performance.cache_enabled', True)
config.set('performance.cache_size_mb', 200)

# Memory management
config.set('performance.memory_limit_mb', 1000)
config.set('performance.chunk_size_mb', 20)

# Parallel processing
config.set('performance.parallel_processing', True)

# Save configuration
config.save()
''',
}

#: Snippets that use names an earlier snippet of the same section defined.
CONTINUES = {
    "memory_limit_checking": "memory_monitor",
    "cache_statistics": "cache_eviction",
    "cache_eviction": "data_cache",
    "memory_efficient_loading": "optimized_loader",
    "intelligent_caching": "optimized_loader",
    "chunked_processing": "optimized_loader",
    "configuration_integration": "optimized_loader",
    "numpy_configuration": "numpy_performance",
    "cli_integration": "module_integration",
    "numpy_performance": "configuration_integration",
}


def adapted(source, files):
    """The snippet with ``epyr_native`` imported and real file names."""
    text = source.replace("from epyr.", "from epyr_native.")
    for name, path in files.items():
        text = text.replace(name, repr(str(path)))
    return text


def run(name, namespace, files):
    parent = CONTINUES.get(name)
    if parent:
        run(parent, namespace, files)
    exec(compile(adapted(SNIPPETS[name], files), f"<seed {name}>", "exec"), namespace)
    return namespace


@pytest.fixture
def setting(corpus, fresh_config, tmp_path):
    from epyr_native import eprload

    spectrum = corpus / "easyspin" / "strong1.dsc"
    files = {"LARGE_SPECTRUM": corpus / "easyspin" / "hy3205t132b.DSC",
             "HUGE_FILE": write_huge_file(tmp_path, 3 * 2**20),
             "LARGE_FILE": corpus / "epyrtools" / "130406SB_CaWO4_Er_CW_5K_20.DSC",
             "SPECTRUM": spectrum}
    x, y, params, _ = eprload(spectrum)
    seen = {"chunks": 0, "whole": 0, "processed": 0, "analysed": 0}

    def process_in_chunks(chunk):
        assert isinstance(chunk, np.ndarray) and chunk.nbytes <= 10 * 2**20
        seen["chunks"] += 1
        return chunk.size

    def process_entire_file(path):
        seen["whole"] += 1
        return path

    def base(**more):
        namespace = {"np": np, "Path": pathlib.Path, "x_array": x, "y_array": y,
                     "parameters_dict": params, "file_path": str(spectrum),
                     "modification_time": "1700000000.0", "file_size": "10240",
                     "logger": logging.getLogger("seed"), "process_in_chunks": process_in_chunks,
                     "process_entire_file": process_entire_file, "load_epr_data": eprload,
                     "files_to_process": [spectrum] * 12,
                     "process_data": lambda d: seen.__setitem__("processed", seen["processed"] + 1),
                     "analyze_epr_data": lambda d: seen.__setitem__("analysed", seen["analysed"] + 1) or len(d)}
        namespace.update(more)
        return namespace

    return base, files, seen


def write_huge_file(folder, points):
    """A real-valued BES3T file of ``points`` float64 values (more than one 10 MB chunk)."""
    (folder / "huge_file.DSC").write_text(
        "#DESC 1.2 * DESCRIPTOR INFORMATION\nDSRC EXP\nBSEQ BIG\nIKKF REAL\nXTYP IDX\n"
        "YTYP NODATA\nZTYP NODATA\nIRFMT D\n"
        f"XPTS {points}\nXMIN 0\nXWID 1\nXNAM 'Time'\nXUNI 'ns'\n"
    )
    np.arange(points, dtype=">f8").tofile(folder / "huge_file.DTA")
    return folder / "huge_file.DSC"


def test_every_seed_example_runs_with_epyr_native(setting, capsys):
    base, files, seen = setting
    for name in SNIPPETS:
        namespace = run(name, base(), files)
        if name == "memory_limit_checking":
            namespace["process_large_dataset"]()
        if name == "module_integration":
            x, y, params, path = namespace["load_epr_data_optimized"](files["SPECTRUM"])
            assert y.shape == (1024,)
        if name == "cli_integration":
            namespace["cmd_batch_convert"]()
        if name == "fair_integration":
            namespace["convert_bruker_to_fair"](files["SPECTRUM"])
        if name == "custom_cache":
            cache = namespace["custom_cache"]
            cache.put(files["SPECTRUM"], (1, 2, 3))
            assert cache.get(files["SPECTRUM"]) == (1, 2, 3)
            assert cache.get(files["LARGE_SPECTRUM"]) is None
            assert cache.get_hit_rate() == 0.5
        if name == "large_dataset_processing":
            paths = [pathlib.Path(files["SPECTRUM"]), pathlib.Path(files["LARGE_SPECTRUM"])]
            assert namespace["process_large_dataset"](paths) == [4, 4]
        if name == "data_cache":
            assert "Using cached data" in capsys.readouterr().out
        if name == "chunked_processing":
            assert isinstance(namespace["result"], list) and len(namespace["result"]) > 1
    assert seen["chunks"] > 1 and seen["processed"] == 12 and seen["analysed"] == 2
