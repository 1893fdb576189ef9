/*
 * A fake NVIDIA driver library for tests and the sandbox: built as libnvidia-ml.so.1 and loaded
 * by the real nvidia-ml-py (pynvml) through LD_LIBRARY_PATH. It exports only the NVML entry
 * points aisystem.fleet uses and reads its values, on every call, from the text file named by
 * $FLEET_FAKE_NVML_STATE, so a test can change memory or temperature while a migration runs.
 *
 * State file: one "key value" per line, '#' starts a comment, unknown keys are ignored.
 *   init_error N             NVML return code of nvmlInitWithFlags (9 = driver not loaded)
 *   driver_version S         e.g. 550.54.14
 *   device_count N           number of GPUs (at most 8)
 *   device.I.name S          e.g. NVIDIA GeForce RTX 4090
 *   device.I.uuid S
 *   device.I.memory_total N  bytes
 *   device.I.memory_used N   bytes
 *   device.I.temperature N   degrees C
 *   device.I.utilization_gpu N, device.I.utilization_memory N   percent
 *   device.I.error N         NVML return code of every query of device I (15 = GPU is lost)
 *   device.I.process PID BYTES   a compute process and its GPU memory (repeatable, at most 64)
 * With no $FLEET_FAKE_NVML_STATE, or a file that cannot be read, nvmlInitWithFlags returns
 * NVML_ERROR_DRIVER_NOT_LOADED.
 *
 * Copyright (c) 2026 aisystem.fleet contributors
 * GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_DRIVER_NOT_LOADED 9
#define NVML_ERROR_GPU_IS_LOST 15
#define MAX_DEVICES 8
#define MAX_PROCS 64

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;

typedef struct {
    int index;
    char name[96], uuid[96];
    unsigned long long memory_total, memory_used;
    unsigned int temperature, utilization_gpu, utilization_memory;
    int error, nprocs;
    unsigned int pids[MAX_PROCS];
    unsigned long long proc_bytes[MAX_PROCS];
} fake_device;

typedef struct {
    int init_error, device_count;
    char driver_version[80];
    fake_device devices[MAX_DEVICES];
} fake_state;

static fake_state state;
static int initialised;
static fake_device handles[MAX_DEVICES];

static void chomp(char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = '\0';
}

/* Read the state file; returns 0, or -1 when there is none. */
static int load(void) {
    const char *path = getenv("FLEET_FAKE_NVML_STATE");
    char line[512];
    FILE *f;
    memset(&state, 0, sizeof(state));
    for (int i = 0; i < MAX_DEVICES; i++) state.devices[i].index = i;
    if (path == NULL || (f = fopen(path, "r")) == NULL) return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *key = line, *value, *rest;
        int idx;
        chomp(line);
        while (*key == ' ') key++;
        if (*key == '#' || *key == '\0') continue;
        value = strchr(key, ' ');
        if (value == NULL) continue;
        *value++ = '\0';
        if (strcmp(key, "init_error") == 0) state.init_error = atoi(value);
        else if (strcmp(key, "device_count") == 0) state.device_count = atoi(value);
        else if (strcmp(key, "driver_version") == 0)
            snprintf(state.driver_version, sizeof(state.driver_version), "%s", value);
        else if (strncmp(key, "device.", 7) == 0) {
            idx = (int)strtol(key + 7, &rest, 10);
            if (idx < 0 || idx >= MAX_DEVICES || *rest != '.') continue;
            fake_device *d = &state.devices[idx];
            rest++;
            if (strcmp(rest, "name") == 0) snprintf(d->name, sizeof(d->name), "%s", value);
            else if (strcmp(rest, "uuid") == 0) snprintf(d->uuid, sizeof(d->uuid), "%s", value);
            else if (strcmp(rest, "memory_total") == 0) d->memory_total = strtoull(value, NULL, 10);
            else if (strcmp(rest, "memory_used") == 0) d->memory_used = strtoull(value, NULL, 10);
            else if (strcmp(rest, "temperature") == 0) d->temperature = (unsigned)atoi(value);
            else if (strcmp(rest, "utilization_gpu") == 0) d->utilization_gpu = (unsigned)atoi(value);
            else if (strcmp(rest, "utilization_memory") == 0) d->utilization_memory = (unsigned)atoi(value);
            else if (strcmp(rest, "error") == 0) d->error = atoi(value);
            else if (strcmp(rest, "process") == 0 && d->nprocs < MAX_PROCS) {
                char *end;
                d->pids[d->nprocs] = (unsigned)strtoul(value, &end, 10);
                d->proc_bytes[d->nprocs] = strtoull(end, NULL, 10);
                d->nprocs++;
            }
        }
    }
    fclose(f);
    if (state.device_count > MAX_DEVICES) state.device_count = MAX_DEVICES;
    return 0;
}

/* The device behind a handle, with the state file read again; sets *ret on failure. */
static fake_device *device(void *handle, int *ret) {
    int idx;
    if (!initialised) { *ret = NVML_ERROR_UNINITIALIZED; return NULL; }
    if (handle == NULL) { *ret = NVML_ERROR_INVALID_ARGUMENT; return NULL; }
    idx = ((fake_device *)handle)->index;
    if (load() != 0) { *ret = NVML_ERROR_GPU_IS_LOST; return NULL; }
    if (idx < 0 || idx >= state.device_count) { *ret = NVML_ERROR_GPU_IS_LOST; return NULL; }
    if (state.devices[idx].error) { *ret = state.devices[idx].error; return NULL; }
    *ret = NVML_SUCCESS;
    return &state.devices[idx];
}

int nvmlInitWithFlags(unsigned int flags) {
    (void)flags;
    if (load() != 0) return NVML_ERROR_DRIVER_NOT_LOADED;
    if (state.init_error) return state.init_error;
    initialised = 1;
    return NVML_SUCCESS;
}

int nvmlInit_v2(void) { return nvmlInitWithFlags(0); }

int nvmlShutdown(void) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    initialised = 0;
    return NVML_SUCCESS;
}

const char *nvmlErrorString(int result) {
    switch (result) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 7: return "Insufficient Size";
    case 9: return "Driver Not Loaded";
    case 12: return "NVML Shared Library Not Found";
    case 15: return "GPU is lost";
    default: return "Unknown Error";
    }
}

int nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    if (load() != 0) return NVML_ERROR_DRIVER_NOT_LOADED;
    if (strlen(state.driver_version) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(version, state.driver_version);
    return NVML_SUCCESS;
}

int nvmlDeviceGetCount_v2(unsigned int *count) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    if (count == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (load() != 0) return NVML_ERROR_DRIVER_NOT_LOADED;
    *count = (unsigned)state.device_count;
    return NVML_SUCCESS;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **handle) {
    if (!initialised) return NVML_ERROR_UNINITIALIZED;
    if (load() != 0) return NVML_ERROR_DRIVER_NOT_LOADED;
    if (handle == NULL || index >= (unsigned)state.device_count) return NVML_ERROR_INVALID_ARGUMENT;
    if (state.devices[index].error) return state.devices[index].error;
    handles[index].index = (int)index;
    *handle = &handles[index];
    return NVML_SUCCESS;
}

static int copy_string(const char *src, char *dst, unsigned int length) {
    if (dst == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(src) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(dst, src);
    return NVML_SUCCESS;
}

int nvmlDeviceGetName(void *handle, char *name, unsigned int length) {
    int ret;
    fake_device *d = device(handle, &ret);
    return d ? copy_string(d->name, name, length) : ret;
}

int nvmlDeviceGetUUID(void *handle, char *uuid, unsigned int length) {
    int ret;
    fake_device *d = device(handle, &ret);
    return d ? copy_string(d->uuid, uuid, length) : ret;
}

int nvmlDeviceGetMemoryInfo(void *handle, nvmlMemory_t *memory) {
    int ret;
    fake_device *d = device(handle, &ret);
    if (d == NULL) return ret;
    if (memory == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    memory->total = d->memory_total;
    memory->used = d->memory_used;
    memory->free = d->memory_total > d->memory_used ? d->memory_total - d->memory_used : 0;
    return NVML_SUCCESS;
}

int nvmlDeviceGetTemperature(void *handle, int sensor, unsigned int *temp) {
    int ret;
    fake_device *d = device(handle, &ret);
    if (d == NULL) return ret;
    if (temp == NULL || sensor != 0) return NVML_ERROR_INVALID_ARGUMENT;
    *temp = d->temperature;
    return NVML_SUCCESS;
}

int nvmlDeviceGetUtilizationRates(void *handle, nvmlUtilization_t *utilization) {
    int ret;
    fake_device *d = device(handle, &ret);
    if (d == NULL) return ret;
    if (utilization == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    utilization->gpu = d->utilization_gpu;
    utilization->memory = d->utilization_memory;
    return NVML_SUCCESS;
}

int nvmlDeviceGetComputeRunningProcesses_v3(void *handle, unsigned int *count, nvmlProcessInfo_t *infos) {
    int ret;
    fake_device *d = device(handle, &ret);
    if (d == NULL) return ret;
    if (count == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (infos == NULL || *count < (unsigned)d->nprocs) {
        unsigned int needed = (unsigned)d->nprocs;
        *count = needed;
        return needed == 0 ? NVML_SUCCESS : NVML_ERROR_INSUFFICIENT_SIZE;
    }
    for (int i = 0; i < d->nprocs; i++) {
        infos[i].pid = d->pids[i];
        infos[i].usedGpuMemory = d->proc_bytes[i];
        infos[i].gpuInstanceId = 0xFFFFFFFFu;
        infos[i].computeInstanceId = 0xFFFFFFFFu;
    }
    *count = (unsigned)d->nprocs;
    return NVML_SUCCESS;
}
