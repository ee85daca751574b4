"""Reads every parameter of a dataset through ctypes two ways, the per-key calls and
epyr_dataset_params_packed, and prints the calls and the median time of each (one run).

python3 benches/params_one_call.py target/release/libepyr.so ../shared/corpus/deerlab/data_multi_lab5.DSC
"""
import ctypes as C, time, sys
lib = C.CDLL(sys.argv[1]); P=C.c_void_p; u64=C.c_uint64
lib.epyr_loader_new.argtypes=[P,C.c_double,C.c_int32,C.POINTER(P)]
lib.epyr_loader_load.argtypes=[P,C.c_char_p,C.c_char_p,C.POINTER(P)]
for n in ("epyr_dataset_param_key","epyr_dataset_param_value"):
    getattr(lib,n).argtypes=[P,u64,C.c_char_p,u64,C.POINTER(u64)]
lib.epyr_dataset_param_count.argtypes=[P,C.POINTER(u64)]
lib.epyr_dataset_params_packed.argtypes=[P,C.c_char_p,u64,C.POINTER(u64)]
loader=P(); assert lib.epyr_loader_new(None,0,-1,C.byref(loader))==0
ds=P(); assert lib.epyr_loader_load(loader,sys.argv[2].encode(),None,C.byref(ds))==0
def per_key():
    calls=1; n=u64(); lib.epyr_dataset_param_count(ds,C.byref(n)); out=[]
    for i in range(n.value):
        pair=[]
        for f in (lib.epyr_dataset_param_key, lib.epyr_dataset_param_value):
            need=u64(); f(ds,i,None,0,C.byref(need)); b=C.create_string_buffer(need.value); f(ds,i,b,need.value,C.byref(need)); pair.append(b.value); calls+=2
        out.append(pair)
    return out, calls
def packed():
    need=u64(); lib.epyr_dataset_params_packed(ds,None,0,C.byref(need)); b=C.create_string_buffer(need.value)
    lib.epyr_dataset_params_packed(ds,b,need.value,None); s=b.raw[:need.value].split(b"\0")[:-1]
    return [s[i:i+2] for i in range(0,len(s),3)], 2
def best(f, reps=30):
    t=[]
    for _ in range(reps):
        a=time.perf_counter(); r=f(); t.append(time.perf_counter()-a)
    t.sort(); return t[len(t)//2], r
tk,(a,ck)=best(per_key); tp,(b,cp)=best(packed)
assert a==b, "same parameters"
print(f"{len(a)} parameters; per-key {ck} calls {tk*1e3:.2f} ms; packed {cp} calls {tp*1e3:.3f} ms; ratio {tk/tp:.1f}")
