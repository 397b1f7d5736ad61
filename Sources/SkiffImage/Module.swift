public enum SkiffImageModule {}
