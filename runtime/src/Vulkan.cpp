//===- Vulkan.cpp - The Vulkan backend: compute through the loader --------===//
//
// libvulkan.so.1 is opened at load time, never linked. One compute pipeline
// per kernel (entry points of one SPIR-V module); buffers are host-visible,
// coherent and persistently mapped, so a buffer's host address identifies
// it. Launches are recorded into one command buffer with a barrier after
// each dispatch and submitted at sync(). Scalars travel packed in one
// buffer of i32 words, the last binding (codegen/GPU/Targets.cpp).
// XF_VULKAN_VALIDATION=1 runs under the Khronos validation layer with
// synchronization validation; its first error fails the load or the call
// that caused it.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Gpu.h"
#include "xf/abi.h"
#include <cstring>
#include <dlfcn.h>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

using namespace xf::rt;

namespace {

#define XF_VK_FUNCTIONS(X)                                                     \
  X(vkDestroyInstance)                                                         \
  X(vkEnumeratePhysicalDevices)                                                \
  X(vkGetPhysicalDeviceProperties)                                             \
  X(vkGetPhysicalDeviceFeatures)                                               \
  X(vkGetPhysicalDeviceQueueFamilyProperties)                                  \
  X(vkGetPhysicalDeviceMemoryProperties)                                       \
  X(vkCreateDevice)                                                            \
  X(vkGetDeviceProcAddr)

#define XF_VK_DEVICE_FUNCTIONS(X)                                              \
  X(vkDestroyDevice)                                                           \
  X(vkGetDeviceQueue)                                                          \
  X(vkCreateBuffer)                                                            \
  X(vkDestroyBuffer)                                                           \
  X(vkGetBufferMemoryRequirements)                                             \
  X(vkAllocateMemory)                                                          \
  X(vkFreeMemory)                                                              \
  X(vkBindBufferMemory)                                                        \
  X(vkMapMemory)                                                               \
  X(vkCreateShaderModule)                                                      \
  X(vkDestroyShaderModule)                                                     \
  X(vkCreateDescriptorSetLayout)                                               \
  X(vkDestroyDescriptorSetLayout)                                              \
  X(vkCreatePipelineLayout)                                                    \
  X(vkDestroyPipelineLayout)                                                   \
  X(vkCreateComputePipelines)                                                  \
  X(vkDestroyPipeline)                                                         \
  X(vkCreateDescriptorPool)                                                    \
  X(vkDestroyDescriptorPool)                                                   \
  X(vkResetDescriptorPool)                                                     \
  X(vkAllocateDescriptorSets)                                                  \
  X(vkUpdateDescriptorSets)                                                    \
  X(vkCreateCommandPool)                                                       \
  X(vkDestroyCommandPool)                                                      \
  X(vkAllocateCommandBuffers)                                                  \
  X(vkBeginCommandBuffer)                                                      \
  X(vkEndCommandBuffer)                                                        \
  X(vkResetCommandBuffer)                                                      \
  X(vkCmdBindPipeline)                                                         \
  X(vkCmdBindDescriptorSets)                                                   \
  X(vkCmdDispatch)                                                             \
  X(vkCmdPipelineBarrier)                                                      \
  X(vkCreateFence)                                                             \
  X(vkDestroyFence)                                                            \
  X(vkResetFences)                                                             \
  X(vkWaitForFences)                                                           \
  X(vkQueueSubmit)

/// The validation layer's errors, kept for the call that caused them.
class ValidationLog {
public:
  static VKAPI_ATTR VkBool32 VKAPI_CALL
  onMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT,
            const VkDebugUtilsMessengerCallbackDataEXT *data, void *self) {
    auto *log = static_cast<ValidationLog *>(self);
    std::lock_guard<std::mutex> lock(log->mutex);
    (void)severity; // the messenger asks for errors only
    if (log->first.empty())
      log->first = std::string("Vulkan validation: ") +
                   (data && data->pMessage ? data->pMessage : "an error");
    return VK_FALSE;
  }
  /// The first error since the last call, and forgets it.
  std::string take() {
    std::lock_guard<std::mutex> lock(mutex);
    return std::exchange(first, std::string());
  }

private:
  std::mutex mutex;
  std::string first;
};

class VulkanBackend : public GpuBackend {
public:
  ~VulkanBackend() override {
    if (device) {
      releaseAll();
      for (Arena &a : arenas)
        destroyBlock(a.block);
      for (Kernel &k : kernels) {
        vkDestroyPipeline(device, k.pipeline, nullptr);
        vkDestroyPipelineLayout(device, k.layout, nullptr);
        vkDestroyDescriptorSetLayout(device, k.setLayout, nullptr);
      }
      for (auto &[name, shader] : shaders)
        vkDestroyShaderModule(device, shader, nullptr);
      for (VkDescriptorPool p : pools)
        vkDestroyDescriptorPool(device, p, nullptr);
      if (fence)
        vkDestroyFence(device, fence, nullptr);
      if (commandPool)
        vkDestroyCommandPool(device, commandPool, nullptr);
      vkDestroyDevice(device, nullptr);
    }
    if (messenger)
      vkDestroyDebugUtilsMessengerEXT(instance, messenger, nullptr);
    if (instance)
      vkDestroyInstance(instance, nullptr);
    if (library)
      dlclose(library);
  }

  bool start(int ordinal, std::string &error);
  bool createInstance(std::string &error);
  bool loadModule(const void *binary, size_t size,
                  const std::vector<KernelSpec> &table,
                  std::string &error) override;
  void launch(int kernel, const int64_t grid[3], const int64_t block[3],
              const int64_t *args) override;

protected:
  void waitIdle() override;
  void *rawAlloc(size_t bytes) override {
    Block b;
    if (!createBlock(bytes, b))
      return nullptr;
    blocks[reinterpret_cast<uintptr_t>(b.host)] = b;
    return b.host;
  }
  void rawFree(void *ptr) override {
    auto it = blocks.find(reinterpret_cast<uintptr_t>(ptr));
    if (it == blocks.end())
      return;
    destroyBlock(it->second);
    blocks.erase(it);
  }

private:
  struct Block {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    void *host = nullptr;
    VkDeviceSize size = 0;
  };
  struct Kernel {
    std::string name, kinds;
    uint32_t bindings = 0;
    VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    VkPipeline pipeline = VK_NULL_HANDLE;
  };
  /// Scalar words of the launches since the last sync.
  struct Arena {
    Block block;
    VkDeviceSize used = 0;
  };

  bool check(VkResult r, const char *what, std::string &error) {
    if (r == VK_SUCCESS)
      return true;
    error = std::string(what) + " failed: VkResult " + std::to_string(r);
    return false;
  }
  bool createBlock(VkDeviceSize bytes, Block &out);
  void destroyBlock(Block &b) {
    vkDestroyBuffer(device, b.buffer, nullptr);
    vkFreeMemory(device, b.memory, nullptr); // unmaps
  }
  VkDescriptorSet allocateSet(VkDescriptorSetLayout layout);
  bool beginRecording();

  void *library = nullptr;
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
  PFN_vkCreateInstance vkCreateInstance = nullptr;
#define XF_VK_DECLARE(name) PFN_##name name = nullptr;
  XF_VK_FUNCTIONS(XF_VK_DECLARE)
  XF_VK_DEVICE_FUNCTIONS(XF_VK_DECLARE)
#undef XF_VK_DECLARE

  VkInstance instance = VK_NULL_HANDLE;
  ValidationLog validation;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT = nullptr;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t family = 0, memoryType = 0;
  VkDeviceSize offsetAlignment = 16, maxRange = 0;
  std::map<std::string, VkShaderModule> shaders; ///< one per kernel
  VkCommandPool commandPool = VK_NULL_HANDLE;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  bool recording = false;
  std::vector<Kernel> kernels;
  std::vector<VkDescriptorPool> pools;
  size_t poolInUse = 0;
  std::vector<Arena> arenas;
  size_t arenaInUse = 0;
  std::map<uintptr_t, Block> blocks; ///< by host address
};

bool VulkanBackend::start(int ordinal, std::string &error) {
  library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    error = "no Vulkan loader (cannot load libvulkan.so.1)";
    return false;
  }
  vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(
      dlsym(library, "vkGetInstanceProcAddr"));
  if (!vkGetInstanceProcAddr) {
    error = "the Vulkan loader lacks vkGetInstanceProcAddr";
    return false;
  }
  if (!createInstance(error))
    return false;
#define XF_VK_LOAD(name)                                                       \
  name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(instance, #name)); \
  if (!name) {                                                                 \
    error = "the Vulkan loader lacks " #name;                                  \
    return false;                                                              \
  }
  XF_VK_FUNCTIONS(XF_VK_LOAD)
  uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devices(count);
  if (count)
    vkEnumeratePhysicalDevices(instance, &count, devices.data());
  if (ordinal < 0 || static_cast<uint32_t>(ordinal) >= count) {
    error = count == 0
                ? "no Vulkan device"
                : "Vulkan device " + std::to_string(ordinal) + " requested, " +
                      std::to_string(count) + " present";
    return false;
  }
  physical = devices[ordinal];
  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(physical, &props);
  offsetAlignment =
      std::max<VkDeviceSize>(props.limits.minStorageBufferOffsetAlignment, 4);
  maxRange = props.limits.maxStorageBufferRange;
  VkPhysicalDeviceFeatures features;
  vkGetPhysicalDeviceFeatures(physical, &features);
  if (!features.shaderInt64) {
    error = std::string("Vulkan device '") + props.deviceName +
            "' lacks shaderInt64 (token ids are 64-bit)";
    return false;
  }
  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, nullptr);
  std::vector<VkQueueFamilyProperties> familyProps(families);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &families,
                                           familyProps.data());
  family = families;
  for (uint32_t f = 0; f < families; ++f)
    if (familyProps[f].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      family = f;
      break;
    }
  if (family == families) {
    error = std::string("Vulkan device '") + props.deviceName +
            "' has no compute queue";
    return false;
  }
  VkPhysicalDeviceMemoryProperties memory;
  vkGetPhysicalDeviceMemoryProperties(physical, &memory);
  const VkMemoryPropertyFlags wanted = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  memoryType = memory.memoryTypeCount;
  for (uint32_t t = 0; t < memory.memoryTypeCount; ++t)
    if ((memory.memoryTypes[t].propertyFlags & wanted) == wanted) {
      memoryType = t;
      break;
    }
  if (memoryType == memory.memoryTypeCount) {
    error = "the Vulkan device has no host-visible coherent memory";
    return false;
  }

  float priority = 1.0f;
  VkDeviceQueueCreateInfo queueInfo{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queueInfo.queueFamilyIndex = family;
  queueInfo.queueCount = 1;
  queueInfo.pQueuePriorities = &priority;
  VkPhysicalDeviceFeatures enabled{};
  enabled.shaderInt64 = VK_TRUE;
  VkDeviceCreateInfo deviceInfo{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  deviceInfo.queueCreateInfoCount = 1;
  deviceInfo.pQueueCreateInfos = &queueInfo;
  deviceInfo.pEnabledFeatures = &enabled;
  if (!check(vkCreateDevice(physical, &deviceInfo, nullptr, &device),
             "vkCreateDevice", error)) {
    device = VK_NULL_HANDLE;
    return false;
  }
#define XF_VK_LOAD_DEVICE(name)                                                \
  name = reinterpret_cast<PFN_##name>(vkGetDeviceProcAddr(device, #name));     \
  if (!name) {                                                                 \
    error = "the Vulkan driver lacks " #name;                                  \
    return false;                                                              \
  }
  XF_VK_DEVICE_FUNCTIONS(XF_VK_LOAD_DEVICE)
  vkGetDeviceQueue(device, family, 0, &queue);
  VkCommandPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  poolInfo.queueFamilyIndex = family;
  if (!check(vkCreateCommandPool(device, &poolInfo, nullptr, &commandPool),
             "vkCreateCommandPool", error))
    return false;
  VkCommandBufferAllocateInfo allocInfo{
      VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  allocInfo.commandPool = commandPool;
  allocInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  allocInfo.commandBufferCount = 1;
  VkFenceCreateInfo fenceInfo{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  return check(vkAllocateCommandBuffers(device, &allocInfo, &commands),
               "vkAllocateCommandBuffers", error) &&
         check(vkCreateFence(device, &fenceInfo, nullptr, &fence),
               "vkCreateFence", error);
}

bool VulkanBackend::createInstance(std::string &error) {
  vkCreateInstance = reinterpret_cast<PFN_vkCreateInstance>(
      vkGetInstanceProcAddr(nullptr, "vkCreateInstance"));
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "xfc";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo instanceInfo{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  instanceInfo.pApplicationInfo = &app;

  const char *setting = std::getenv("XF_VULKAN_VALIDATION");
  bool validate = setting && *setting && std::strcmp(setting, "0") != 0;
  const char *layer = "VK_LAYER_KHRONOS_validation";
  const char *extension = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
  // GPU-assisted validation is left off: the layer in Debian 12 reported
  // nothing for bindings cut short of what kernels read, so it would only
  // cost time.
  VkValidationFeatureEnableEXT sync =
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &sync;
  VkDebugUtilsMessengerCreateInfoEXT messengerInfo{
      VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  messengerInfo.pNext = &features;
  messengerInfo.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messengerInfo.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                              VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
  messengerInfo.pfnUserCallback = &ValidationLog::onMessage;
  messengerInfo.pUserData = &validation;
  if (validate) {
    auto enumerate = reinterpret_cast<PFN_vkEnumerateInstanceLayerProperties>(
        vkGetInstanceProcAddr(nullptr, "vkEnumerateInstanceLayerProperties"));
    uint32_t count = 0;
    if (enumerate)
      enumerate(&count, nullptr);
    std::vector<VkLayerProperties> layers(count);
    if (count)
      enumerate(&count, layers.data());
    bool found = false;
    for (const VkLayerProperties &l : layers)
      found = found || std::strcmp(l.layerName, layer) == 0;
    if (!found) {
      error = "XF_VULKAN_VALIDATION is set, but the Khronos validation layer "
              "is not installed (Debian: vulkan-validationlayers)";
      return false;
    }
    instanceInfo.enabledLayerCount = 1;
    instanceInfo.ppEnabledLayerNames = &layer;
    instanceInfo.enabledExtensionCount = 1;
    instanceInfo.ppEnabledExtensionNames = &extension;
    instanceInfo.pNext = &messengerInfo;
  }
  if (!vkCreateInstance ||
      vkCreateInstance(&instanceInfo, nullptr, &instance) != VK_SUCCESS) {
    error = "no Vulkan device (cannot create a Vulkan instance: is a driver "
            "such as mesa-vulkan-drivers installed?)";
    instance = VK_NULL_HANDLE;
    return false;
  }
  if (!validate)
    return true;
  auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
      vkGetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT"));
  vkDestroyDebugUtilsMessengerEXT =
      reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
          vkGetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT"));
  messengerInfo.pNext = nullptr;
  if (!create || !vkDestroyDebugUtilsMessengerEXT ||
      !check(create(instance, &messengerInfo, nullptr, &messenger),
             "vkCreateDebugUtilsMessengerEXT", error))
    return false;
  error = validation.take();
  return error.empty();
}

bool VulkanBackend::createBlock(VkDeviceSize bytes, Block &out) {
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = std::max<VkDeviceSize>(bytes, 16);
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  if (vkCreateBuffer(device, &info, nullptr, &out.buffer) != VK_SUCCESS)
    return false;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device, out.buffer, &req);
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = memoryType;
  if (!(req.memoryTypeBits & (1u << memoryType)) ||
      vkAllocateMemory(device, &alloc, nullptr, &out.memory) != VK_SUCCESS) {
    vkDestroyBuffer(device, out.buffer, nullptr);
    return false;
  }
  if (vkBindBufferMemory(device, out.buffer, out.memory, 0) != VK_SUCCESS ||
      vkMapMemory(device, out.memory, 0, VK_WHOLE_SIZE, 0, &out.host) !=
          VK_SUCCESS) {
    destroyBlock(out);
    return false;
  }
  out.size = info.size;
  return true;
}

bool VulkanBackend::loadModule(const void *binary, size_t size,
                               const std::vector<KernelSpec> &table,
                               std::string &error) {
  // Per kernel: [name words][name, NUL-padded][code words][code].
  const auto *words = static_cast<const uint32_t *>(binary);
  size_t count = size / 4, at = 0;
  // The next `n` words, or null if fewer are left.
  auto next = [&](size_t n) -> const uint32_t * {
    if (n > count - at)
      return nullptr;
    at += n;
    return words + at - n;
  };
  while (at < count) {
    const uint32_t *nameWords = next(1);
    const uint32_t *name = next(*nameWords);
    const uint32_t *codeWords = name ? next(1) : nullptr;
    const uint32_t *code = codeWords ? next(*codeWords) : nullptr;
    if (!code || !*nameWords || !*codeWords) {
      error = "malformed SPIR-V in the library";
      return false;
    }
    const char *chars = reinterpret_cast<const char *>(name);
    std::string kernel(chars, strnlen(chars, *nameWords * 4));
    VkShaderModuleCreateInfo shaderInfo{
        VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    shaderInfo.codeSize = *codeWords * 4;
    shaderInfo.pCode = code;
    VkShaderModule shader;
    if (!check(vkCreateShaderModule(device, &shaderInfo, nullptr, &shader),
               "vkCreateShaderModule", error))
      return false;
    shaders[kernel] = shader;
  }
  for (const KernelSpec &spec : table) {
    Kernel k;
    k.name = spec.name;
    k.kinds = spec.kinds;
    bool scalars = false;
    for (char c : spec.kinds) {
      if (c == XF_KIND_BUFFER)
        ++k.bindings;
      else
        scalars = true;
    }
    k.bindings += scalars ? 1 : 0; // the packed scalar words
    std::vector<VkDescriptorSetLayoutBinding> bindings(k.bindings);
    for (uint32_t b = 0; b < k.bindings; ++b) {
      bindings[b] = {};
      bindings[b].binding = b;
      bindings[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      bindings[b].descriptorCount = 1;
      bindings[b].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo setInfo{
        VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    setInfo.bindingCount = k.bindings;
    setInfo.pBindings = bindings.data();
    if (!check(vkCreateDescriptorSetLayout(device, &setInfo, nullptr,
                                           &k.setLayout),
               "vkCreateDescriptorSetLayout", error))
      return false;
    VkPipelineLayoutCreateInfo layoutInfo{
        VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    layoutInfo.setLayoutCount = 1;
    layoutInfo.pSetLayouts = &k.setLayout;
    if (!check(vkCreatePipelineLayout(device, &layoutInfo, nullptr, &k.layout),
               "vkCreatePipelineLayout", error))
      return false;
    VkComputePipelineCreateInfo pipeInfo{
        VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    pipeInfo.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    pipeInfo.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    auto shader = shaders.find(spec.name);
    if (shader == shaders.end()) {
      error = "the library has no SPIR-V for kernel " + spec.name;
      return false;
    }
    pipeInfo.stage.module = shader->second;
    pipeInfo.stage.pName = spec.name.c_str();
    pipeInfo.layout = k.layout;
    if (!check(vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &pipeInfo,
                                        nullptr, &k.pipeline),
               ("the pipeline of kernel " + spec.name).c_str(), error))
      return false;
    kernels.push_back(k);
  }
  error = validation.take();
  return error.empty();
}

VkDescriptorSet VulkanBackend::allocateSet(VkDescriptorSetLayout layout) {
  for (;; ++poolInUse) {
    if (poolInUse == pools.size()) {
      VkDescriptorPoolSize sizes{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 4096};
      VkDescriptorPoolCreateInfo info{
          VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
      info.maxSets = 512;
      info.poolSizeCount = 1;
      info.pPoolSizes = &sizes;
      VkDescriptorPool pool;
      if (vkCreateDescriptorPool(device, &info, nullptr, &pool) != VK_SUCCESS)
        return VK_NULL_HANDLE;
      pools.push_back(pool);
    }
    VkDescriptorSetAllocateInfo info{
        VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    info.descriptorPool = pools[poolInUse];
    info.descriptorSetCount = 1;
    info.pSetLayouts = &layout;
    VkDescriptorSet set;
    if (vkAllocateDescriptorSets(device, &info, &set) == VK_SUCCESS)
      return set;
  }
}

bool VulkanBackend::beginRecording() {
  if (recording)
    return true;
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  if (vkBeginCommandBuffer(commands, &begin) != VK_SUCCESS)
    return false;
  recording = true;
  return true;
}

void VulkanBackend::launch(int kernel, const int64_t grid[3],
                           const int64_t block[3], const int64_t *args) {
  (void)block; // the workgroup size is compiled into the SPIR-V
  if (!pendingError.empty())
    return;
  if (kernel < 0 || kernel >= static_cast<int>(kernels.size()))
    return fail("launch of unknown kernel " + std::to_string(kernel));
  const Kernel &k = kernels[kernel];
  if (!beginRecording())
    return fail("vkBeginCommandBuffer failed");
  VkDescriptorSet set = allocateSet(k.setLayout);
  if (!set)
    return fail("cannot allocate a Vulkan descriptor set");

  // Buffers by address, bound to exactly their bytes; scalars packed as i32
  // words into the arena.
  std::vector<VkDescriptorBufferInfo> infos;
  std::vector<uint32_t> words;
  for (char kind : k.kinds) {
    if (kind == XF_KIND_BUFFER) {
      uintptr_t address = static_cast<uintptr_t>(args[0]);
      VkDeviceSize bytes = static_cast<VkDeviceSize>(args[1]);
      args += 2;
      auto it = blocks.upper_bound(address);
      if (it == blocks.begin())
        return fail("a kernel operand is not a device buffer");
      --it;
      VkDeviceSize offset = address - it->first;
      if (offset >= it->second.size || offset % offsetAlignment ||
          bytes > it->second.size - offset)
        return fail("a kernel operand is not a device buffer");
      // A range is at least a word (an empty tensor's binding is never
      // read) and whole words, which the block's size always allows.
      VkDeviceSize range = std::min((std::max<VkDeviceSize>(bytes, 4) + 3) /
                                        4 * 4,
                                    it->second.size - offset);
      if (range > maxRange)
        return fail("a kernel operand of " + std::to_string(bytes) +
                    " bytes exceeds the device's storage buffer range");
      infos.push_back({it->second.buffer, offset, range});
    } else {
      uint64_t bits = static_cast<uint64_t>(*args++);
      words.push_back(static_cast<uint32_t>(bits));
      if (kind == XF_KIND_I64)
        words.push_back(static_cast<uint32_t>(bits >> 32));
    }
  }
  // SPIR-V lets a driver assume that distinct bindings do not alias (our
  // kernels declare none Aliased), so operands that share bytes would be
  // wrong on such a driver even where lavapipe computes them right.
  for (size_t a = 0; a < infos.size(); ++a)
    for (size_t b = a + 1; b < infos.size(); ++b)
      if (infos[a].buffer == infos[b].buffer &&
          infos[a].offset < infos[b].offset + infos[b].range &&
          infos[b].offset < infos[a].offset + infos[a].range)
        return fail("kernel " + k.name + " binds overlapping bytes at buffer operands " +
                    std::to_string(a) + " and " + std::to_string(b));
  if (infos.size() < k.bindings) {
    VkDeviceSize bytes = std::max<size_t>(words.size(), 1) * 4;
    if (arenaInUse < arenas.size() &&
        arenas[arenaInUse].used + bytes > arenas[arenaInUse].block.size)
      ++arenaInUse;
    if (arenaInUse == arenas.size()) {
      Arena a;
      if (!createBlock(64 * 1024, a.block))
        return fail("cannot allocate the Vulkan scalar arena");
      arenas.push_back(a);
    }
    Arena &a = arenas[arenaInUse];
    std::memcpy(static_cast<char *>(a.block.host) + a.used, words.data(),
                words.size() * 4);
    infos.push_back({a.block.buffer, a.used, bytes});
    a.used = (a.used + bytes + offsetAlignment - 1) / offsetAlignment *
             offsetAlignment;
  }
  std::vector<VkWriteDescriptorSet> writes(infos.size());
  for (size_t b = 0; b < infos.size(); ++b) {
    writes[b] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[b].dstSet = set;
    writes[b].dstBinding = static_cast<uint32_t>(b);
    writes[b].descriptorCount = 1;
    writes[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[b].pBufferInfo = &infos[b];
  }
  vkUpdateDescriptorSets(device, static_cast<uint32_t>(writes.size()),
                         writes.data(), 0, nullptr);
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipeline);
  vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, k.layout, 0,
                          1, &set, 0, nullptr);
  vkCmdDispatch(commands, static_cast<uint32_t>(grid[0]),
                static_cast<uint32_t>(grid[1]), static_cast<uint32_t>(grid[2]));
  // The next dispatch may read what this one wrote.
  VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  barrier.dstAccessMask =
      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0,
                       nullptr, 0, nullptr);
}

void VulkanBackend::waitIdle() {
  if (recording) {
    recording = false;
    std::string submitError;
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands;
    if (!check(vkEndCommandBuffer(commands), "vkEndCommandBuffer",
               submitError) ||
        !check(vkQueueSubmit(queue, 1, &submit, fence), "vkQueueSubmit",
               submitError) ||
        !check(vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX),
               "vkWaitForFences", submitError))
      fail(submitError);
    vkResetFences(device, 1, &fence);
    vkResetCommandBuffer(commands, 0);
  }
  std::string validationError = validation.take();
  if (!validationError.empty())
    fail(validationError);
  for (VkDescriptorPool p : pools)
    vkResetDescriptorPool(device, p, 0);
  poolInUse = 0;
  for (Arena &a : arenas)
    a.used = 0;
  arenaInUse = 0;
}

} // namespace

std::unique_ptr<GpuBackend> xf::rt::createVulkanBackend(int device,
                                                        std::string &error) {
  auto backend = std::make_unique<VulkanBackend>();
  if (!backend->start(device, error))
    return nullptr;
  return backend;
}
