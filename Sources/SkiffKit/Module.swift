public enum SkiffKitModule {}
