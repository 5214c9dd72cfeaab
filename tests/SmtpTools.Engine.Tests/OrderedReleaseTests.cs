using System;
using SmtpTools.Probing;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    public sealed class OrderedReleaseTests
    {
        [Fact]
        public void Items_finishing_out_of_order_are_released_in_reserved_order()
        {
            var line = new OrderedRelease<string>();
            var first = line.Reserve();
            var second = line.Reserve();
            var third = line.Reserve();

            Assert.Empty(line.Fill(third, "c"));
            Assert.Empty(line.Fill(second, "b"));
            Assert.Equal(new[] { "a", "b", "c" }, line.Fill(first, "a"));
        }

        [Fact]
        public void Filling_a_place_twice_or_one_never_reserved_is_refused()
        {
            var line = new OrderedRelease<int>();
            var only = line.Reserve();
            line.Fill(only, 1);

            Assert.Throws<ArgumentOutOfRangeException>(() => line.Fill(only, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => line.Fill(5, 2));
        }
    }
}
